/**
 * Three kinds of failure, told apart because the user reacts differently to each:
 * - UserError: the user must act (bad flag, unknown pod, bad kubeconfig, missing permission). Clear line, exit 1.
 * - UsageError: the command line itself is wrong (a flag value no parser can catch alone). Exit 2, as for bad flags.
 * - ExternalError: something outside netx failed (API server, a probe command). Carries what ran and what it said.
 * - anything else is a bug: the CLI asks for a report and shows the stack only with NETX_DEBUG=1.
 */
export abstract class NetxError extends Error {
  abstract readonly kind: 'user' | 'usage' | 'external';
  /** What to do next, one line. */
  readonly hint?: string;
  readonly exitCode: number = 1;

  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.hint = opts.hint;
  }
}

export class UserError extends NetxError {
  readonly kind = 'user' as const;
  override readonly name = 'UserError';
  constructor(
    message: string,
    opts: { hint?: string; cause?: unknown; code?: UserErrorCode } = {},
  ) {
    super(message, opts);
    this.code = opts.code ?? 'invalid-input';
  }
  readonly code: UserErrorCode;
}

export type UserErrorCode =
  | 'invalid-input'
  | 'not-found'
  | 'forbidden'
  | 'unauthorized'
  | 'unreachable'
  | 'kubeconfig'
  | 'snapshot'
  | 'timeout'
  | 'unsupported';

export class UsageError extends NetxError {
  readonly kind = 'usage' as const;
  override readonly name = 'UsageError';
  override readonly exitCode: number = 2;
}

export class ExternalError extends NetxError {
  readonly kind = 'external' as const;
  override readonly name = 'ExternalError';
  constructor(
    message: string,
    readonly command: { argv?: string[]; stderr?: string; status?: number },
    opts: { hint?: string; cause?: unknown } = {},
  ) {
    super(message, opts);
  }
}

export function isNetxError(e: unknown): e is NetxError {
  return e instanceof NetxError;
}
