// The web consumer's expectations of the checkout: an order is placed, paid once (a retry
// with the same idempotency key is the first answer, replayed), declined cards are told apart,
// and an order is cancelled only while pending.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Conflict, Forbidden, PaymentDeclined } from '../src/client.js';
import {
  IDS,
  ORDER_ITEMS,
  apiPath,
  contract,
  injected,
  location,
  order,
  payment,
  problem,
  rejects,
} from './support/contract.js';

const ORDER = '/orders/{orderId}';

test('an order is placed pending with its total', () =>
  contract({
    description: 'an order placement from the web',
    states: [['a user exists']],
    method: 'POST',
    path: apiPath('/orders'),
    status: 201,
    body: { currency: 'USD', items: ORDER_ITEMS },
    response: order({
      status: 'pending',
      items: [
        { ...ORDER_ITEMS[0], lineTotal: 12900 },
        { ...ORDER_ITEMS[1], lineTotal: 3000 },
      ],
    }),
    responseHeaders: { Location: location('orders') },
    exercise: async (api) => {
      const placed = await api.createOrder('USD', ORDER_ITEMS);
      assert.deepEqual([placed.status, placed.total], ['pending', 15900]);
    },
  }));

test('an order opens', () =>
  contract({
    description: 'a request from the web for an order',
    states: [['an order exists', { currency: 'USD' }]],
    method: 'GET',
    path: apiPath(ORDER),
    status: 200,
    response: order(),
    exercise: async (api) => assert.equal((await api.getOrder(IDS.orderId)).currency, 'USD'),
  }));

test('a pending order is cancelled', () =>
  contract({
    description: 'a cancellation from the web of a pending order',
    states: [['an order exists', { status: 'pending' }]],
    method: 'POST',
    path: apiPath(`${ORDER}/cancel`),
    status: 200,
    response: order({ status: 'cancelled' }),
    exercise: async (api) => assert.equal((await api.cancelOrder(IDS.orderId)).status, 'cancelled'),
  }));

test('a paid order cannot be cancelled', () =>
  contract({
    description: 'a cancellation from the web of a paid order',
    states: [['an order exists', { status: 'paid' }]],
    method: 'POST',
    path: apiPath(`${ORDER}/cancel`),
    status: 409,
    response: problem(409, 'order_not_cancellable'),
    exercise: rejects(Conflict, 'order_not_cancellable', (api) => api.cancelOrder(IDS.orderId)),
  }));

test('an order is paid', () =>
  contract({
    description: 'a payment from the web',
    states: [['an order exists', { status: 'pending' }]],
    method: 'POST',
    path: apiPath(`${ORDER}/payments`),
    status: 201,
    headers: { 'Idempotency-Key': 'web-order-1-try-1' },
    body: { paymentMethod: 'pm_card_visa' },
    response: payment(),
    responseHeaders: { Location: location('payments') },
    exercise: async (api) => {
      const paid = await api.payOrder(IDS.orderId, 'pm_card_visa', { idempotencyKey: 'web-order-1-try-1' });
      assert.deepEqual([paid.status, paid.replayed], ['succeeded', false]);
    },
  }));

test('a retried payment is the first answer, replayed', () =>
  contract({
    description: 'a retried payment from the web with the same idempotency key',
    states: [['an order was paid with an idempotency key', { idempotencyKey: 'web-order-2-try-1' }]],
    method: 'POST',
    path: apiPath(`${ORDER}/payments`),
    status: 201,
    headers: { 'Idempotency-Key': injected('idempotencyKey', 'web-order-2-try-1') },
    body: { paymentMethod: 'pm_card_visa' },
    response: payment(),
    responseHeaders: { 'Idempotent-Replayed': 'true', Location: location('payments') },
    exercise: async (api) => {
      const paid = await api.payOrder(IDS.orderId, 'pm_card_visa', { idempotencyKey: 'web-order-2-try-1' });
      assert.deepEqual([paid.status, paid.replayed], ['succeeded', true]);
    },
  }));

test('a declined card is told apart', () =>
  contract({
    description: 'a payment from the web with a declined card',
    states: [['an order exists', { status: 'pending' }]],
    method: 'POST',
    path: apiPath(`${ORDER}/payments`),
    status: 402,
    headers: { 'Idempotency-Key': 'web-k-2' },
    body: { paymentMethod: 'pm_card_declined' },
    response: problem(402, 'card_declined'),
    exercise: rejects(PaymentDeclined, 'card_declined', (api) =>
      api.payOrder(IDS.orderId, 'pm_card_declined', { idempotencyKey: 'web-k-2' }),
    ),
  }));

test('a paid order is not paid twice', () =>
  contract({
    description: 'a payment from the web of a paid order',
    states: [['a paid order exists']],
    method: 'POST',
    path: apiPath(`${ORDER}/payments`),
    status: 409,
    headers: { 'Idempotency-Key': 'web-k-4' },
    body: { paymentMethod: 'pm_card_visa' },
    response: problem(409, 'order_already_paid'),
    exercise: rejects(Conflict, 'order_already_paid', (api) =>
      api.payOrder(IDS.orderId, 'pm_card_visa', { idempotencyKey: 'web-k-4' }),
    ),
  }));

test('a receipt shows the payment', () =>
  contract({
    description: 'a request from the web for a payment',
    states: [['a paid order exists']],
    method: 'GET',
    path: apiPath('/payments/{paymentId}'),
    status: 200,
    response: payment(),
    exercise: async (api) => assert.equal((await api.getPayment(IDS.paymentId)).status, 'succeeded'),
  }));

test("another user's order is forbidden", () =>
  contract({
    description: "a request from the web for another user's order",
    states: [['records of another user exist']],
    method: 'GET',
    path: apiPath(ORDER),
    status: 403,
    response: problem(403, 'forbidden'),
    exercise: rejects(Forbidden, 'forbidden', (api) => api.getOrder(IDS.orderId)),
  }));
