/**
 * A webhook request Meta did not sign (or for an account we do not have). Meta's documentation
 * answers these with 403; the HTTP layer honours `status` on 4xx errors and logs the reason.
 */
export class ForbiddenError extends Error {
  readonly status = 403;
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenError';
  }
}
