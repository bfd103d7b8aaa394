/**
 * Engines by name, as a `<command engine="...">` selects them. A worker builds one registry at
 * start and keeps it, so that engines may hold per-process resources (connection pools, a
 * script sandbox's worker thread).
 */
import type { Engine } from './engine.ts';

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

  names(): string[] {
    return [...this.byName.keys()].sort();
  }
}
