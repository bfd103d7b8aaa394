/** A measurement taken by a check: a Nagios performance datum, a Bergamot gauge reading. */
export interface Reading {
  name: string;
  value: number;
  /** Unit of measure as the source wrote it: `s`, `ms`, `%`, `B`, `c`... */
  unit?: string;
  warning?: number;
  critical?: number;
  min?: number;
  max?: number;
}
