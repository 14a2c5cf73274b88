/**
 * Every error a user can cause is a ChargebackError: the CLI prints its message as one line
 * and exits with its code (SPEC §2). Anything else is an internal error.
 */
export class ChargebackError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad usage: an unknown flag, a missing option, a malformed month. Exit 2. */
export class UsageError extends ChargebackError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** A bad input file, named with its line and field when known. Exit 2. */
export class InputError extends ChargebackError {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly field: string | null,
    readonly detail: string,
  ) {
    super(`${file}${line === null ? '' : `:${line}`}: ${field === null ? '' : `field "${field}": `}${detail}`, 2);
  }
}

/** An invalid rate card; the message lists every problem, one per line. Exit 2. */
export class RateCardError extends ChargebackError {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(problems.join('\n'), 2);
  }
}

/** The command ran but found something the user must act on (rejects, unpriced usage). Exit 1. */
export class ProblemFound extends ChargebackError {
  constructor(message: string) {
    super(message, 1);
  }
}

/** A run whose lines do not add up to its pool costs. Exit 1. */
export class ReconciliationError extends ChargebackError {
  constructor(message: string) {
    super(message, 1);
  }
}

/** Billing records in a currency other than the rate card's: never summed silently. Exit 2. */
export class CurrencyError extends ChargebackError {
  constructor(message: string) {
    super(message, 2);
  }
}
