// `npm test`'s bookends: `clean` removes this consumer's pact before the tests merge their
// interactions into it; `normalize` then rewrites it as stable bytes (sorted keys and
// interactions, no tool versions or interaction hashes), as `make pacts` does for the Python
// consumer, so a regenerated pact differs from the committed one only when the contract does.
//
//   node scripts/pacts.mjs clean|normalize      (PACT_DIR as the tests read it)

import fs from 'node:fs';
import path from 'node:path';

import { CONSUMER, PACT_DIR, PROVIDER } from '../test/support/contract.js';

const FILE = path.join(PACT_DIR, `${CONSUMER}-${PROVIDER}.json`);
// What varies between runs and machines and says nothing about the contract.
const VOLATILE_METADATA = ['pact-js', 'pactJs', 'pactRust'];

function sortedKeys(value) {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys(value[key])]),
  );
}

function normalize() {
  const pact = JSON.parse(fs.readFileSync(FILE, 'utf8'));
  for (const key of VOLATILE_METADATA) delete pact.metadata?.[key];
  const order = (i) => [i.description ?? '', JSON.stringify(i.providerStates ?? null)];
  pact.interactions = (pact.interactions ?? [])
    .map(({ key, ...interaction }) => interaction)
    .sort((a, b) => {
      const [x, y] = [order(a), order(b)];
      return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0;
    });
  fs.writeFileSync(FILE, JSON.stringify(sortedKeys(pact), null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), FILE)} (${pact.interactions.length} interactions)`);
}

const command = process.argv[2];
if (command === 'clean') {
  fs.rmSync(FILE, { force: true });
} else if (command === 'normalize') {
  normalize();
} else {
  console.error(`usage: node scripts/pacts.mjs clean|normalize (got ${command ?? 'nothing'})`);
  process.exit(2);
}
