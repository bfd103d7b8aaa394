/**
 * Splits a plugin command line into the program and its arguments, with the quoting people write
 * in Nagios and Bergamot command definitions, but without a shell: nothing is expanded (`$`,
 * `*`, `~` and backquotes stay as written) and nothing else runs.
 *
 * - Whitespace separates arguments.
 * - `'...'` keeps everything inside as written.
 * - `"..."` keeps everything inside, except that `\"`, `\\`, `\$` and `` \` `` stand for the
 *   character after the backslash (as in the POSIX shell).
 * - Outside quotes, a backslash makes the next character literal.
 *
 * Unquoted `|`, `;`, `&`, `<`, `>` and backquotes are refused: a command line that uses them was
 * written for a shell, and passing them to the plugin as arguments would quietly do something
 * other than what its author meant. Quote them to pass them as text.
 */

export class CommandLineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandLineError';
  }
}

const SHELL_OPERATORS = new Set(['|', ';', '&', '<', '>', '`']);
const ESCAPABLE_IN_DOUBLE_QUOTES = new Set(['"', '\\', '$', '`']);

/**
 * @example splitCommandLine(`/usr/lib/nagios/plugins/check_http -H example.com -s 'Welcome home'`)
 * // ['/usr/lib/nagios/plugins/check_http', '-H', 'example.com', '-s', 'Welcome home']
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  // A word exists once anything, even an empty pair of quotes, has been seen: '' is an argument.
  let inWord = false;
  let position = 0;
  while (position < line.length) {
    const char = line[position]!;
    if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      position++;
    } else if (char === "'") {
      const close = line.indexOf("'", position + 1);
      if (close < 0) throw new CommandLineError(`unterminated single quote at character ${position + 1}`);
      word += line.slice(position + 1, close);
      inWord = true;
      position = close + 1;
    } else if (char === '"') {
      const [text, end] = readDoubleQuoted(line, position);
      word += text;
      inWord = true;
      position = end;
    } else if (char === '\\') {
      if (position + 1 >= line.length) throw new CommandLineError('the command line ends with a lone backslash');
      word += line[position + 1];
      inWord = true;
      position += 2;
    } else if (SHELL_OPERATORS.has(char)) {
      throw new CommandLineError(
        `'${char}' at character ${position + 1} is shell syntax, but plugins run without a shell; quote it to pass it as text`,
      );
    } else {
      word += char;
      inWord = true;
      position++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** The text of a `"..."` starting at `start`, and the position after its closing quote. */
function readDoubleQuoted(line: string, start: number): [string, number] {
  let text = '';
  let position = start + 1;
  while (position < line.length) {
    const char = line[position]!;
    if (char === '"') return [text, position + 1];
    const next = line[position + 1];
    if (char === '\\' && next !== undefined && ESCAPABLE_IN_DOUBLE_QUOTES.has(next)) {
      text += next;
      position += 2;
    } else {
      text += char;
      position++;
    }
  }
  throw new CommandLineError(`unterminated double quote at character ${start + 1}`);
}
