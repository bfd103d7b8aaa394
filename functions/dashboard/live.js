/**
 * Live updates over the WebSocket (`/ws?token=`, API Gateway WebSocket semantics): subscribe to a
 * site, receive `checks` and `groups` frames. The connection comes back by itself: after a drop
 * it reconnects with exponential backoff and jitter (so a server restart is not met by every
 * browser at once), subscribes again, and tells the page, which then reloads its lists: pushes
 * sent while the connection was down are lost, and nothing missed may stay stale.
 */
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 15_000;
/** API Gateway closes a connection idle for 10 minutes; a ping now and then keeps it. */
const KEEPALIVE_MS = 5 * 60_000;

/** The gateway's address: the page's own `/ws` unless index.html names another (API Gateway's). */
function gatewayUrl() {
  const configured = document.querySelector('meta[name="vigil-websocket-url"]')?.getAttribute('content');
  if (configured) return configured;
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

export class LiveConnection {
  /**
   * @param {object} handlers
   * @param {() => string | null} handlers.token the session token (read at each connect)
   * @param {(frame: object) => void} handlers.onFrame a `checks` or `groups` frame of the subscribed site
   * @param {(siteId: string) => void} handlers.onSubscribed the subscription is active: load what may have been missed
   * @param {(state: 'connecting' | 'live' | 'reconnecting' | 'error', detail?: string) => void} handlers.onState
   * @param {() => void} handlers.onRefused the gateway refused the connection before it opened (maybe the token expired)
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.socket = null;
    this.siteId = null;
    this.retries = 0;
    this.retryTimer = null;
    this.stopped = true;
    this.onOnline = () => this.reconnectNow();
  }

  /** Watches one site (null: none); subscribes now if connected, else when connected. */
  watch(siteId) {
    if (siteId === this.siteId) return;
    if (this.siteId) this.send({ action: 'unsubscribe', siteId: this.siteId });
    this.siteId = siteId;
    if (siteId) {
      if (this.stopped) this.start();
      else if (this.send({ action: 'subscribe', siteId })) this.handlers.onState('connecting');
    }
  }

  start() {
    this.stopped = false;
    addEventListener('online', this.onOnline);
    this.connect();
  }

  /** Closes for good (log out). */
  stop() {
    this.stopped = true;
    this.siteId = null;
    removeEventListener('online', this.onOnline);
    clearTimeout(this.retryTimer);
    this.socket?.close(1000, 'bye');
    this.socket = null;
  }

  connect() {
    const token = this.handlers.token();
    if (!token || this.stopped) return;
    this.handlers.onState(this.retries === 0 ? 'connecting' : 'reconnecting');
    const socket = new WebSocket(`${gatewayUrl()}?token=${encodeURIComponent(token)}`);
    this.socket = socket;
    let opened = false;
    let keepalive;
    socket.addEventListener('open', () => {
      opened = true;
      keepalive = setInterval(() => this.send({ action: 'ping' }), KEEPALIVE_MS);
      if (this.siteId) this.send({ action: 'subscribe', siteId: this.siteId });
    });
    socket.addEventListener('message', (event) => this.receive(event.data));
    socket.addEventListener('close', () => {
      clearInterval(keepalive);
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      if (!opened) this.handlers.onRefused();
      this.scheduleReconnect();
    });
  }

  receive(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (frame.type === 'subscribed' && frame.siteId === this.siteId && !frame.groupId && !frame.checkId) {
      this.retries = 0;
      this.handlers.onState('live');
      this.handlers.onSubscribed(frame.siteId);
    } else if (frame.type === 'error') {
      this.handlers.onState('error', frame.message);
    } else if ((frame.type === 'checks' || frame.type === 'groups') && frame.siteId === this.siteId) {
      this.handlers.onFrame(frame);
    }
  }

  scheduleReconnect() {
    clearTimeout(this.retryTimer);
    const ceilingMs = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.retries);
    this.retries += 1;
    this.handlers.onState('reconnecting');
    // "Equal jitter": at least half the backoff, so retries still spread out but never hammer.
    this.retryTimer = setTimeout(() => this.connect(), ceilingMs / 2 + Math.random() * (ceilingMs / 2));
  }

  /** The network is back: no point waiting out the backoff. */
  reconnectNow() {
    if (this.stopped || this.socket) return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  send(message) {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }
}
