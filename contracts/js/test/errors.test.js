// The client's errors without a server: each status its class, a body that is no problem
// still an error, Retry-After read as seconds.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  ApiError,
  BadRequest,
  Conflict,
  NotFound,
  PaymentDeclined,
  TooManyRequests,
  apiError,
} from '../src/client.js';

test('each status answers its error class with the problem', () => {
  for (const [status, Kind] of [[400, BadRequest], [402, PaymentDeclined], [404, NotFound], [409, Conflict]]) {
    const error = apiError(status, { status, code: 'some_code', title: 'Some title' });
    assert.ok(error instanceof Kind && error instanceof ApiError);
    assert.equal(error.problem.code, 'some_code');
    assert.equal(error.name, Kind.name);
  }
  assert.equal(apiError(418, null).constructor, ApiError);
});

test('a body that is no problem is still an error naming the status', () => {
  const error = apiError(502, '<html>bad gateway</html>');
  assert.deepEqual([error.problem.status, error.problem.code, error.problem.title], [502, 'unknown', 'HTTP 502']);
});

test('a validation problem lists where the request broke a rule', () => {
  const body = { status: 400, code: 'validation_failed', errors: [{ field: 'body.name', code: 'required', message: 'missing' }] };
  assert.deepEqual(apiError(400, body).problem.errors, [{ field: 'body.name', code: 'required', message: 'missing' }]);
});

test('a throttled answer says when to retry, or that it does not know', () => {
  assert.equal(apiError(429, { code: 'too_many_attempts' }, '900').retryAfter, 900);
  assert.ok(apiError(429, null) instanceof TooManyRequests);
  assert.equal(apiError(429, null, 'soon').retryAfter, null);
});
