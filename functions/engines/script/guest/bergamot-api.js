/*
 * Bergamot's scripting API, as scripted checks see it: `bergamot`, `check`, `http` and the few
 * `java.lang` number types Nashorn scripts reach for. This file is JavaScript on purpose: it runs
 * inside the QuickJS sandbox (sandbox-worker.ts evaluates it in each script's fresh context), not
 * in Node, so it can use nothing but the language itself and the one host function it is given.
 *
 * It evaluates to a function `(host, inputJson) => { deliver, outcome }`:
 * - `host.send(requestJson)` starts an HTTP request in the main thread and returns its id;
 * - `deliver(id, error, status, headersJson, body, runtimeMs)` hands the answer to the script's
 *   callbacks;
 * - `outcome()` returns the published result and readings as JSON.
 *
 * Semantics follow Bergamot's Java classes (ActiveCheckScriptContext, ResultMO, ParameterisedMO,
 * HTTPCheckBuilder), except where Bergamot would carry on with a wrong value: a missing numeric
 * parameter or a value that is not a number fails the check with a message instead of becoming
 * -1 or passing a threshold test.
 */
(function installBergamotApi(host, inputJson) {
  'use strict';
  var input = JSON.parse(inputJson);
  var parameters = input.parameters;
  var published = null;
  var readings = [];
  var notes = [];
  var pending = {};

  function ParameterError(message) {
    var error = new Error(message);
    error.name = 'ParameterError';
    return error;
  }

  function hasOwn(object, name) {
    return Object.prototype.hasOwnProperty.call(object, name);
  }

  function text(value) {
    if (value === null || value === undefined) return '';
    if (typeof value === 'object' && typeof value.message === 'string') return value.message;
    return String(value);
  }

  /* ------------------------------------------------------------------ check parameters */

  function parameter(name) {
    return hasOwn(parameters, name) ? parameters[name] : undefined;
  }

  /** An unset parameter: the default when the script gave one (`arity` counts arguments), else an error. */
  function unset(name, defaultValue, arity) {
    if (arity > 1) return defaultValue;
    throw ParameterError("parameter '" + name + "' is not set (give a default, or bergamot.require('" + name + "') first)");
  }

  function integerParameter(name, defaultValue, arity) {
    var value = parameter(name);
    if (value === undefined) return unset(name, defaultValue, arity);
    if (!/^\s*[-+]?\d+\s*$/.test(value)) throw ParameterError("parameter '" + name + "': expected a whole number, got '" + value + "'");
    return parseInt(value, 10);
  }

  function numberParameter(name, defaultValue, arity) {
    var value = parameter(name);
    if (value === undefined) return unset(name, defaultValue, arity);
    var number = Number(value);
    if (value.trim() === '' || !isFinite(number)) throw ParameterError("parameter '" + name + "': expected a number, got '" + value + "'");
    return number;
  }

  var check = {
    getParameter: function (name, defaultValue) {
      var value = parameter(name);
      return value !== undefined ? value : defaultValue === undefined ? null : defaultValue;
    },
    containsParameter: function (name) {
      return parameter(name) !== undefined;
    },
    getIntParameter: function (name, defaultValue) {
      return integerParameter(name, defaultValue, arguments.length);
    },
    getLongParameter: function (name, defaultValue) {
      return integerParameter(name, defaultValue, arguments.length);
    },
    getFloatParameter: function (name, defaultValue) {
      return numberParameter(name, defaultValue, arguments.length);
    },
    getDoubleParameter: function (name, defaultValue) {
      return numberParameter(name, defaultValue, arguments.length);
    },
    /** A percentage as a ratio: 80 -> 0.8 (the default is already a ratio, as in Bergamot). */
    getPercentParameter: function (name, defaultValue) {
      var value = parameter(name);
      if (value === undefined) return unset(name, defaultValue, arguments.length);
      return numberParameter(name, undefined, 1) / 100;
    },
    /** yes, true and on are true; anything else is false; unset gives the default (false). */
    getBooleanParameter: function (name, defaultValue) {
      var value = parameter(name);
      if (value === undefined) return defaultValue === undefined ? false : defaultValue;
      return /^\s*(yes|true|on)\s*$/i.test(value);
    },
    /** A comma-separated parameter as an array of trimmed, non-empty items. */
    getParameterCSV: function (name, defaultValue) {
      var value = parameter(name);
      if (value === undefined) value = defaultValue === undefined || defaultValue === null ? '' : String(defaultValue);
      return value.split(',').map(function (item) { return item.trim(); }).filter(function (item) { return item !== ''; });
    },
  };

  /* ------------------------------------------------------------------ results */

  function toNumber(value, what) {
    var number = value !== null && typeof value === 'object' ? Number(value.valueOf()) : Number(value);
    if (value === null || value === undefined || value === '' || typeof value === 'boolean' || !isFinite(number)) {
      throw new TypeError(what + ' is not a number (got ' + (typeof value === 'string' ? "'" + value + "'" : String(value)) + ')');
    }
    return number;
  }

  /** An unset threshold (null) never matches, where Bergamot's Java would fail on it. */
  function threshold(value, what) {
    return value === null || value === undefined ? null : toNumber(value, what);
  }

  function Result() {
    this._status = null;
    this._output = '';
  }
  function setStatus(status) {
    return function (message) {
      this._status = status;
      this._output = text(message);
      return this;
    };
  }
  Result.prototype.info = setStatus('INFO');
  Result.prototype.ok = setStatus('OK');
  Result.prototype.warning = setStatus('WARNING');
  Result.prototype.critical = setStatus('CRITICAL');
  Result.prototype.unknown = setStatus('UNKNOWN');
  Result.prototype.error = setStatus('ERROR');
  Result.prototype.timeout = setStatus('TIMEOUT');
  Result.prototype.disconnected = setStatus('DISCONNECTED');
  Result.prototype.action = setStatus('ACTION');
  /** Accepted for Bergamot scripts; Vigil measures the runtime itself. */
  Result.prototype.runtime = function () {
    return this;
  };
  Result.prototype.getStatus = function () {
    return this._status;
  };
  Result.prototype.getOutput = function () {
    return this._output;
  };
  Result.prototype.isOk = function () {
    return this._status === 'OK' || this._status === 'INFO';
  };
  /** Critical when `match(value, critical)`, else warning when `match(value, warning)`, else ok. */
  Result.prototype.applyThreshold = function (value, match, warning, critical, message) {
    return this.applyThresholds([value], match, warning, critical, message);
  };
  /** As applyThreshold over several values; the worst wins. */
  Result.prototype.applyThresholds = function (values, match, warning, critical, message) {
    var worst = 0;
    for (var i = 0; i < values.length; i++) {
      if (match(values[i], critical)) worst = 2;
      else if (match(values[i], warning)) worst = Math.max(worst, 1);
    }
    return worst === 2 ? this.critical(message) : worst === 1 ? this.warning(message) : this.ok(message);
  };
  function comparison(name, compare) {
    return function (value, limit) {
      var v = toNumber(value, name + ': the value');
      var t = threshold(limit, name + ': a threshold');
      return t !== null && compare(v, t);
    };
  }
  var greaterThan = comparison('applyGreaterThanThreshold', function (v, t) { return v > t; });
  var lessThan = comparison('applyLessThanThreshold', function (v, t) { return v < t; });
  Result.prototype.applyGreaterThanThreshold = function (value, warning, critical, message) {
    return this.applyThresholds([value], greaterThan, warning, critical, message);
  };
  Result.prototype.applyLessThanThreshold = function (value, warning, critical, message) {
    return this.applyThresholds([value], lessThan, warning, critical, message);
  };
  Result.prototype.applyGreaterThanThresholds = function (values, warning, critical, message) {
    return this.applyThresholds(values, greaterThan, warning, critical, message);
  };
  Result.prototype.applyLessThanThresholds = function (values, warning, critical, message) {
    return this.applyThresholds(values, lessThan, warning, critical, message);
  };
  /** Outside [low, high] of critical is critical, else outside warning's is warning. */
  Result.prototype.applyRange = function (value, warning, critical, message) {
    var outside = function (v, range) { return lessThan(v, range[0]) || greaterThan(v, range[1]); };
    return this.applyThresholds([value], outside, warning, critical, message);
  };

  function publish(result) {
    if (!(result instanceof Result)) throw new TypeError('bergamot.publish() takes a result from bergamot.createResult()');
    if (result._status === null) throw new TypeError('bergamot.publish(): the result has no status yet (call ok(), warning(), applyGreaterThanThreshold()... on it first)');
    published = { status: result._status, output: result._output };
  }

  /* ------------------------------------------------------------------ readings */

  /** Long and integer gauges truncate, as Nashorn's conversion to a Java long does. */
  function gauge(integral) {
    function field(value) {
      if (value === null || value === undefined) return null;
      var number = Number(typeof value === 'object' ? value.valueOf() : value);
      return integral ? Math.trunc(number) : number;
    }
    return function (name, unit, value, warning, critical, min, max) {
      if (typeof name !== 'string' || name === '') throw new TypeError('a reading needs a name');
      return {
        name: name,
        unit: unit === null || unit === undefined ? null : String(unit),
        value: field(value),
        warning: field(warning),
        critical: field(critical),
        min: field(min),
        max: field(max),
      };
    };
  }

  function publishReadings() {
    for (var i = 0; i < arguments.length; i++) {
      var list = Array.isArray(arguments[i]) ? arguments[i] : [arguments[i]];
      for (var j = 0; j < list.length; j++) {
        var reading = list[j];
        if (!reading || typeof reading.name !== 'string') throw new TypeError('bergamot.publishReadings() takes readings from bergamot.create...GaugeReading()');
        if (reading.value === null || !isFinite(reading.value)) {
          notes.push("reading '" + reading.name + "' left out: its value is not a number");
          continue;
        }
        readings = readings.filter(function (r) { return r.name !== reading.name; });
        readings.push(reading);
      }
    }
  }

  /* ------------------------------------------------------------------ bergamot */

  var bergamot = {
    check: check,
    getCheck: function () { return check; },
    createResult: function () { return new Result(); },
    publish: publish,
    /** Fails the check with a Bad configuration error when the parameter is unset or empty. */
    require: function (name) {
      if (parameter(name) === undefined) throw ParameterError("parameter '" + name + "' is required by the script but not set");
    },
    publishReadings: publishReadings,
    createDoubleGaugeReading: gauge(false),
    createFloatGaugeReading: gauge(false),
    createLongGaugeReading: gauge(true),
    createIntegerGaugeReading: gauge(true),
  };
  ['info', 'ok', 'warning', 'critical', 'unknown', 'error', 'timeout', 'disconnected', 'action'].forEach(function (status) {
    bergamot[status] = function (message) { publish(new Result()[status](message)); };
  });
  ['applyThreshold', 'applyThresholds', 'applyGreaterThanThreshold', 'applyLessThanThreshold', 'applyGreaterThanThresholds', 'applyLessThanThresholds', 'applyRange'].forEach(function (method) {
    bergamot[method] = function () { publish(Result.prototype[method].apply(new Result(), arguments)); };
  });

  /* ------------------------------------------------------------------ http */

  function HttpCheckResponse(status, headers, body, runtimeMs) {
    this._status = status;
    this._headers = headers;
    this._body = body;
    this._runtimeMs = runtimeMs;
  }
  HttpCheckResponse.prototype.status = function () { return this._status; };
  HttpCheckResponse.prototype.content = function () { return this._body; };
  /** A response header by name, any case; null when absent. */
  HttpCheckResponse.prototype.header = function (name) {
    var value = this._headers[String(name).toLowerCase()];
    return value === undefined ? null : value;
  };
  HttpCheckResponse.prototype.runtime = function () { return this._runtimeMs; };

  function HttpCheckBuilder() {
    this._ = { address: null, port: -1, ssl: false, permitInvalidCerts: false, method: 'GET', virtualHost: null, path: '/', headers: [], username: null, password: null, contentType: null, content: null, timeoutMs: null, onResponse: null, onError: null };
  }
  function setter(apply) {
    return function () {
      apply.apply(this._, arguments);
      return this;
    };
  }
  /** get('http://host:8080/path') as well as get('/path'): JavaScript has no java.net.URL. */
  function target(method) {
    return function (pathOrUrl, body) {
      this.method = method;
      if (pathOrUrl === undefined || pathOrUrl === null) return void (this.path = '/');
      var url = /^(https?):\/\/(\[[^\]]+\]|[^/:?#]+)(?::(\d+))?(.*)$/i.exec(String(pathOrUrl));
      if (url) {
        this.ssl = url[1].toLowerCase() === 'https';
        this.address = url[2].replace(/^\[|\]$/g, '');
        this.port = url[3] ? parseInt(url[3], 10) : -1;
        this.path = url[4] || '/';
      } else {
        this.path = String(pathOrUrl);
      }
      if (body !== undefined) this.content = String(body);
    };
  }
  var builder = {
    connect: function (address, port) { this.address = String(address); if (port !== undefined) this.port = Number(port); },
    port: function (port) { this.port = Number(port); },
    ssl: function (ssl) { this.ssl = ssl === undefined ? true : Boolean(ssl); },
    https: function () { this.ssl = true; },
    http: function () { this.ssl = false; },
    permitInvalidCerts: function (permit) { this.permitInvalidCerts = permit === undefined ? true : Boolean(permit); },
    host: function (virtualHost) { this.virtualHost = String(virtualHost); },
    path: function (path) { this.path = String(path); },
    method: function (method) { this.method = String(method).toUpperCase(); },
    get: target('GET'),
    post: target('POST'),
    head: target('HEAD'),
    header: function (name, value) { this.headers.push([String(name), String(value)]); },
    basicAuth: function (username, password) { this.username = username === null ? null : String(username); this.password = password === null ? null : String(password); },
    content: function (contentType, content) { this.contentType = String(contentType); this.content = String(content); },
    contentJSON: function (content) { this.contentType = 'application/json'; this.content = typeof content === 'string' ? content : JSON.stringify(content); },
    contentFormData: function (content) {
      this.contentType = 'application/x-www-form-urlencoded';
      this.content = typeof content === 'string' ? content : Object.keys(content).map(function (key) {
        return encodeURIComponent(key) + '=' + encodeURIComponent(content[key]);
      }).join('&');
    },
    /** Bergamot's connect and request timeouts; here the longer one bounds the whole request. */
    timeout: function (connectMs, requestMs) { this.timeoutMs = Math.max(Number(connectMs), Number(requestMs)); },
    connectTimeout: function (ms) { this.timeoutMs = Math.max(this.timeoutMs || 0, Number(ms)); },
    requestTimeout: function (ms) { this.timeoutMs = Math.max(this.timeoutMs || 0, Number(ms)); },
    onResponse: function (handler) { this.onResponse = handler; },
    onError: function (handler) { this.onError = handler; },
  };
  Object.keys(builder).forEach(function (name) {
    HttpCheckBuilder.prototype[name] = setter(builder[name]);
  });
  HttpCheckBuilder.prototype.execute = function (onResponse, onError) {
    var spec = this._;
    if (onResponse !== undefined) spec.onResponse = onResponse;
    if (onError !== undefined) spec.onError = onError;
    if (!spec.address) throw new Error('http.check(): no host to connect to (call connect(host) before execute())');
    if (typeof spec.onResponse !== 'function') throw new TypeError('http.check().execute() needs a function to call with the response');
    var request = {
      method: spec.method, host: spec.address, port: spec.port, ssl: spec.ssl, permitInvalidCerts: spec.permitInvalidCerts,
      virtualHost: spec.virtualHost, path: spec.path, headers: spec.headers, username: spec.username, password: spec.password,
      contentType: spec.contentType, content: spec.content, timeoutMs: spec.timeoutMs,
    };
    var id = host.send(JSON.stringify(request));
    pending[id] = { onResponse: spec.onResponse, onError: spec.onError };
  };

  var http = {
    check: function () { return new HttpCheckBuilder(); },
  };

  /* ------------------------------------------------------------------ java.lang */

  function javaNumber(name, parse) {
    var type = function (value) { return new Number(parse(value)); };
    type.valueOf = parse;
    type['parse' + (name === 'Integer' ? 'Int' : name)] = parse;
    return type;
  }
  function parseWhole(value) {
    if (typeof value === 'number') return Math.trunc(value);
    var s = String(value);
    if (!/^[-+]?\d+$/.test(s)) throw new Error('NumberFormatException: For input string: "' + s + '"');
    return parseInt(s, 10);
  }
  function parseDecimal(value) {
    var n = Number(value);
    if (typeof value !== 'number' && (String(value).trim() === '' || isNaN(n))) throw new Error('NumberFormatException: For input string: "' + String(value) + '"');
    return n;
  }
  var java = {
    lang: {
      Integer: javaNumber('Integer', parseWhole),
      Long: javaNumber('Long', parseWhole),
      Double: javaNumber('Double', parseDecimal),
      Float: javaNumber('Float', parseDecimal),
    },
  };

  /* ------------------------------------------------------------------ wiring */

  globalThis.bergamot = bergamot;
  globalThis.check = check;
  globalThis.http = http;
  globalThis.java = java;

  function deliver(id, error, status, headersJson, body, runtimeMs) {
    var request = pending[id];
    delete pending[id];
    if (!request) return;
    if (error !== null) {
      var failure = new Error(error);
      if (typeof request.onError === 'function') request.onError(failure);
      else published = { status: 'ERROR', output: error };
      return;
    }
    request.onResponse(new HttpCheckResponse(status, JSON.parse(headersJson), body, runtimeMs));
  }

  function outcome() {
    return JSON.stringify({ result: published, readings: readings, notes: notes });
  }

  return { deliver: deliver, outcome: outcome };
})
