// Errors of the platform client: the API answered a problem (RFC 9457).
//
//   ApiError              the API answered a problem (`problem` says which); by status:
//   ├── BadRequest        400: the request broke a rule (`problem.errors` lists where)
//   ├── Unauthorized      401: no token, a bad one, or wrong credentials
//   ├── PaymentDeclined   402: the payment method was declined (`problem.code`)
//   ├── Forbidden         403: someone else's resource, or a blocked account
//   ├── NotFound          404
//   ├── Conflict          409: the resource's state forbids it, or a key was reused
//   └── TooManyRequests   429: throttled; `retryAfter` seconds

/** The problem document of an error answer; a bare one when the body is not a problem. */
export function parseProblem(status, data) {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { status, type: null, code: 'unknown', title: `HTTP ${status}`, detail: null, errors: [] };
  }
  return {
    status: Number(data.status ?? status),
    type: data.type ?? null,
    code: String(data.code ?? 'unknown'),
    title: String(data.title ?? ''),
    detail: data.detail ?? null,
    errors: Array.isArray(data.errors)
      ? data.errors.map((e) => ({ field: String(e.field), code: String(e.code), message: String(e.message) }))
      : [],
  };
}

export class ApiError extends Error {
  constructor(problem) {
    super(`${problem.status} ${problem.code}: ${problem.detail ?? problem.title}`);
    this.name = new.target.name;
    this.problem = problem;
  }
}

export class BadRequest extends ApiError {}
export class Unauthorized extends ApiError {}
export class PaymentDeclined extends ApiError {}
export class Forbidden extends ApiError {}
export class NotFound extends ApiError {}
export class Conflict extends ApiError {}

export class TooManyRequests extends ApiError {
  constructor(problem, retryAfter) {
    super(problem);
    this.retryAfter = retryAfter;
  }
}

const BY_STATUS = {
  400: BadRequest,
  401: Unauthorized,
  402: PaymentDeclined,
  403: Forbidden,
  404: NotFound,
  409: Conflict,
};

/** The error for an answer of `status` with body `data` (`retryAfter`: the header's seconds). */
export function apiError(status, data, retryAfter = null) {
  const problem = parseProblem(status, data);
  if (status === 429) {
    const seconds = retryAfter === null ? null : Number.parseInt(retryAfter, 10);
    return new TooManyRequests(problem, Number.isNaN(seconds) ? null : seconds);
  }
  const Kind = BY_STATUS[status] ?? ApiError;
  return new Kind(problem);
}
