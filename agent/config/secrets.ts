// Secrets are referenced by file path in the config and read here, once, at
// load time. The store keeps the values so that (a) probes can use them and
// (b) the runner can scrub any value that slipped into evidence by accident.
import { readFileSync } from 'node:fs';
import { reasonOf } from '../errors.js';

export class SecretStore {
  readonly #values = new Map<string, string>();

  /** Reads a secret file; returns a problem line instead of throwing. */
  load(file: string, where: string): string | null {
    try {
      const value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      if (value.length === 0) return `${where}: secret file ${file} is empty`;
      this.#values.set(file, value);
      return null;
    } catch (err) {
      return `${where}: cannot read secret file ${file} (${reasonOf(err)})`;
    }
  }

  /** Adds a value generated at run time (e.g. a signed JWT) so it is scrubbed too. */
  register(value: string): void {
    if (value.length >= 4) this.#values.set(`runtime:${this.#values.size}`, value);
  }

  get(file: string): string {
    const value = this.#values.get(file);
    if (value === undefined) throw new Error(`secret ${file} was not loaded with the config`);
    return value;
  }

  has(file: string): boolean {
    return this.#values.has(file);
  }

  /** Every known secret value, longest first (so a secret containing another is replaced whole). */
  values(): string[] {
    return [...new Set(this.#values.values())].filter((v) => v.length >= 4).sort((a, b) => b.length - a.length);
  }

  /** Replaces every known secret value in a string with [REDACTED]. */
  scrub(text: string): string {
    let out = text;
    for (const v of this.values()) if (out.includes(v)) out = out.split(v).join('[REDACTED]');
    return out;
  }
}
