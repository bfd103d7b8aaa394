/**
 * Engines by name, as a `<command engine="...">` selects them. A worker builds one registry at
 * start and keeps it, so that engines may hold per-process resources (connection pools, a
 * script sandbox's worker thread).
 */
import type { Engine, EngineCheck } from './engine.ts';
import { isScriptedCommand } from './script/script-engine.ts';

export class EngineRegistry {
  private readonly byName = new Map<string, Engine>();

  constructor(engines: readonly Engine[]) {
    for (const engine of engines) {
      if (this.byName.has(engine.name)) throw new Error(`two engines are named '${engine.name}'`);
      this.byName.set(engine.name, engine);
    }
  }

  get(name: string): Engine | undefined {
    return this.byName.get(name);
  }

  /**
   * The engine that runs a command. Bergamot routes by engine and executor together: an `http`
   * command with `executor="script"` is a scripted check, run by the script engine (which reads
   * the command's own engine to know what the script may use).
   */
  forCommand(command: EngineCheck['command']): Engine | undefined {
    return this.get(isScriptedCommand(command) ? 'script' : command.engine);
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** Releases every engine's per-process resources; the registry is not used afterwards. */
  async close(): Promise<void> {
    await Promise.all([...this.byName.values()].map((engine) => engine.close?.()));
  }
}
