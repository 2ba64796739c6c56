/**
 * The only error a parser may throw. It points at the exact place in the input so that a message
 * can say "iptables (node kind-worker) line 31 column 12: unknown option --foo".
 */
export class ParseError extends Error {
  override readonly name = 'ParseError';
  constructor(
    /** Which input: a dump key, a file name or a snapshot path. */
    readonly source: string,
    message: string,
    /** 1-based line, when the format has lines. */
    readonly line?: number,
    /** 1-based column. */
    readonly column?: number,
    /** JSON path inside a document (e.g. `nftables[12].rule.expr[3]`). */
    readonly path?: string,
  ) {
    super(ParseError.format(source, message, line, column, path));
    this.brief = `${line !== undefined ? `line ${line}: ` : path ? `${path}: ` : ''}${message}`;
  }

  /** The message with its line (or JSON path) but without the input's name: for text that names the input already. */
  readonly brief: string;

  readonly detail = this.message;

  private static format(source: string, message: string, line?: number, column?: number, path?: string): string {
    const where = [source, line !== undefined ? `line ${line}` : '', column !== undefined ? `column ${column}` : '', path ?? '']
      .filter(Boolean)
      .join(' ');
    return `${where}: ${message}`;
  }
}

/** A non-fatal observation made while parsing (an unknown option kept verbatim, a skipped line). */
export interface ParseWarning {
  code: 'unknown-match' | 'unknown-target' | 'unknown-expression' | 'skipped-line' | 'unsupported' | (string & {});
  message: string;
  line?: number;
  path?: string;
  /** Which input (dump key or file) the warning is about, when it is collected across inputs (NodeModel.warnings). */
  source?: string;
}
