import { AppError } from '../app-error';

/** Stable codes of the errors the producer raises; the HTTP layer maps them to statuses. */
export const PIPELINE_ERROR_CODES = {
  validationFailed: 'VALIDATION_FAILED',
  versionConflict: 'VERSION_CONFLICT',
  idempotencyMismatch: 'IDEMPOTENCY_MISMATCH',
  unknownPresence: 'UNKNOWN_PRESENCE',
  forceNotPermitted: 'FORCE_NOT_PERMITTED',
  jobInvalidPayload: 'JOB_INVALID_PAYLOAD',
  agentStateMissing: 'AGENT_STATE_MISSING',
  jobStalled: 'JOB_STALLED',
} as const;

export interface ValidationProblem {
  /** Dotted path of the offending field (`''` for the request as a whole). */
  path: string;
  message: string;
}

/** Bad input: every problem at once, nothing enqueued (HTTP 400). */
export class ValidationFailedError extends AppError {
  readonly problems: readonly ValidationProblem[];

  constructor(problems: readonly ValidationProblem[]) {
    const summary = problems.map((p) => (p.path === '' ? p.message : `${p.path}: ${p.message}`)).join('; ');
    super(PIPELINE_ERROR_CODES.validationFailed, `Invalid presence-change request: ${summary}`, {
      httpStatus: 400,
      details: { problems },
    });
    this.problems = problems;
  }
}

/** `expectedVersion` is not the agent's current version; nothing was written (HTTP 409). */
export class VersionConflictError extends AppError {
  constructor(
    readonly userId: string,
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super(
      PIPELINE_ERROR_CODES.versionConflict,
      `Agent ${userId} is at version ${currentVersion}, not the expected ${expectedVersion}`,
      { httpStatus: 409, details: { userId, expectedVersion, currentVersion } },
    );
  }
}

/** The idempotency key was used before with a different request body (HTTP 422). */
export class IdempotencyMismatchError extends AppError {
  constructor(readonly originalRequestId: string) {
    super(
      PIPELINE_ERROR_CODES.idempotencyMismatch,
      'The idempotency key was already used for a different request',
      { httpStatus: 422, details: { originalRequestId } },
    );
  }
}

/** The presence name or id matches no presence definition of the org (HTTP 400). */
export class UnknownPresenceError extends AppError {
  constructor(readonly presence: string) {
    super(PIPELINE_ERROR_CODES.unknownPresence, `Unknown presence "${presence}"`, {
      httpStatus: 400,
      details: { presence },
    });
  }
}

/** `force` was asked by a source the policy does not mark as privileged (HTTP 403). */
export class ForceNotPermittedError extends AppError {
  constructor(readonly source: string) {
    super(PIPELINE_ERROR_CODES.forceNotPermitted, `Source "${source}" may not force a presence change`, {
      httpStatus: 403,
      details: { source },
    });
  }
}
