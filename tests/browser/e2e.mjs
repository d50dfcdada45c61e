// Drives the reference server's page in Debian's Chromium as a person would (typing and
// clicking), with a CDP virtual authenticator standing in for the platform authenticator.
//
//   SERVER_BIN=target/release/examples/server node tests/browser/e2e.mjs
//
// The script starts the server itself (it restarts it, and starts a second instance when
// DATABASE_URL names a PostgreSQL database). Screenshots go to target/browser/. Any uncaught
// page error, or console error other than the browser's notice of a request the step expects
// to be refused, fails the run.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';

const SERVER_BIN = process.env.SERVER_BIN || 'target/release/examples/server';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.SCREENSHOT_DIR || 'target/browser';
const POSTGRES = process.env.DATABASE_URL && process.env.DATABASE_URL.startsWith('postgres') ? process.env.DATABASE_URL : null;
const WORK = mkdtempSync(join(tmpdir(), 'passkey-e2e-'));
const OUTBOX = join(WORK, 'outbox');
const SESSION_KEY = randomBytes(64).toString('base64url');
const LOOKUP_SECRET = randomBytes(32).toString('base64url');
const PORT = 18080 + Math.floor(Math.random() * 1000);
mkdirSync(SHOTS, { recursive: true });

const servers = new Map();
function serverEnv(port) {
  const env = { ...process.env, PORT: String(port), SESSION_KEY, LOOKUP_SECRET, RECOVERY_OUTBOX: OUTBOX, RUST_LOG: 'warn' };
  env.DATABASE_URL = POSTGRES || `sqlite://${join(WORK, 'passkeys.db')}?mode=rwc`;
  return env;
}
async function startServer(port) {
  const child = spawn(SERVER_BIN, [], { env: serverEnv(port), stdio: ['ignore', 'inherit', 'inherit'] });
  servers.set(port, child);
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(`http://localhost:${port}/`)).ok) return; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server on ${port} did not start`);
}
async function stopServer(port) {
  const child = servers.get(port);
  servers.delete(port);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

let step = 'start';
let expectRefusal = false;
const problems = [];
function watch(page, name) {
  page.on('pageerror', (e) => problems.push(`${name} ${step}: uncaught ${e.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const refused = /Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text());
    // The page asks whether it is signed in; "no" is a 401 by the HTTP contract.
    const signedOutCheck = /status of 401/.test(msg.text()) && msg.location().url.endsWith('/api/me');
    if (!(refused && (expectRefusal || signedOutCheck))) problems.push(`${name} ${step}: console error ${msg.text()}`);
  });
}

let shot = 0;
async function screenshot(page, name) {
  shot += 1;
  await page.screenshot({ path: join(SHOTS, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
}

function check(condition, what) {
  if (!condition) throw new Error(`${step}: ${what}`);
  console.log(`ok   ${step}: ${what}`);
}

async function authenticator(cdp, credentials = []) {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', ctap2Version: 'ctap2_1', transport: 'internal', hasResidentKey: true,
      hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true,
    },
  });
  for (const credential of credentials) {
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
  }
  return authenticatorId;
}

async function withoutAutofill(context) {
  await context.addInitScript(() => {
    if (window.PublicKeyCredential) PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
  return context;
}

async function signedInAs(page, username) {
  await page.locator('#who').filter({ hasText: username }).waitFor({ state: 'visible', timeout: 10000 });
}

async function statusText(page, pattern) {
  await page.locator('#status').filter({ hasText: pattern }).waitFor({ timeout: 10000 });
  return page.locator('#status').textContent();
}

// The newest message the server's outbox holds for `username` (the stand-in for an inbox).
function lastMessage(username) {
  const files = readdirSync(OUTBOX).filter((f) => f.endsWith(`-${username}.txt`)).sort();
  return files.length ? readFileSync(join(OUTBOX, files[files.length - 1]), 'utf8') : '';
}

async function newBrowser(name, credentials = []) {
  const page = await (await withoutAutofill(await browser.newContext())).newPage();
  watch(page, name);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const id = await authenticator(cdp, credentials);
  return { page, cdp, id };
}

async function signOut(page) {
  await page.click('#sign-out');
  await page.locator('#signed-out').waitFor({ state: 'visible' });
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

try {
  await startServer(PORT);
  const base = `http://localhost:${PORT}`;
  // Chromium's virtual authenticator answers a conditional (autofill) request at once, where a
  // person would pick the passkey from the username field's suggestions; so this browser
  // plays one without autofill, and the autofill step below uses one with it.
  const context = await withoutAutofill(await browser.newContext());
  const page = await context.newPage();
  watch(page, 'alice');
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  let phone = await authenticator(cdp);
  let captured = null;
  page.on('request', async (r) => {
    if (r.url().endsWith('/api/login/finish')) captured = { body: r.postData(), headers: await r.allHeaders() };
  });

  step = 'sign up';
  await page.goto(base);
  await page.locator('#signed-out').waitFor({ state: 'visible' });
  await screenshot(page, 'signed-out');
  await page.fill('#username', 'alice');
  await page.click('#sign-up');
  await signedInAs(page, 'alice');
  check((await page.locator('#passkeys tr').count()) === 1, 'signed in with one passkey');
  await screenshot(page, 'signed-up');

  step = 'sign out';
  await signOut(page);
  check(await page.locator('#signed-out').isVisible(), 'the signed-out screen is back');

  step = 'sign in with the username';
  await page.fill('#username', 'alice');
  await page.click('#sign-in');
  await signedInAs(page, 'alice');
  check(true, 'signed in as alice');

  step = 'replay a captured finish request';
  // The attacker's copy: the same body, with the ceremony cookie and Origin it was sent with.
  const headers = { 'content-type': 'application/json', origin: captured.headers.origin, cookie: captured.headers.cookie };
  const replayed = await fetch(`${base}/api/login/finish`, { method: 'POST', headers, body: captured.body });
  const code = (await replayed.json()).error.code;
  check(replayed.status === 400 && code === 'ceremony_not_found', `the replay is refused (${replayed.status} ${code})`);

  step = 'sign in without a username';
  await signOut(page);
  await page.fill('#username', '');
  await page.click('#sign-in');
  await signedInAs(page, 'alice');
  check(true, 'the passkey named the account');

  step = 'refuse re-registering an authenticator already on the account';
  expectRefusal = true;
  await page.click('#add');
  const again = await statusText(page, /already holds|credential_exists/);
  expectRefusal = false;
  check(/already holds|credential_exists/.test(again), `refused: ${again}`);
  check((await page.locator('#passkeys tr').count()) === 1, 'still one passkey');

  step = 'add a second passkey while signed in';
  const first = (await cdp.send('WebAuthn.getCredentials', { authenticatorId: phone })).credentials;
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: phone });
  let key = await authenticator(cdp);
  await page.click('#add');
  await page.locator('#passkeys tr').nth(1).waitFor();
  check((await page.locator('#passkeys tr').count()) === 2, 'two passkeys listed');

  step = 'rename a passkey';
  page.once('dialog', (dialog) => dialog.accept('Work laptop'));
  await page.locator('#passkeys tr').nth(1).locator('button.rename').click();
  await page.locator('#passkeys td').filter({ hasText: 'Work laptop' }).waitFor();
  check(true, 'the new name is listed');
  await screenshot(page, 'two-passkeys');

  step = 'refuse a passkey for someone else\'s account without a session';
  const mallory = await (await withoutAutofill(await browser.newContext())).newPage();
  watch(mallory, 'mallory');
  const cdp2 = await mallory.context().newCDPSession(mallory);
  await cdp2.send('WebAuthn.enable');
  await authenticator(cdp2);
  await mallory.goto(base);
  await mallory.locator('#signed-out').waitFor({ state: 'visible' });
  await mallory.fill('#username', 'alice');
  expectRefusal = true;
  await mallory.click('#sign-up');
  const taken = await statusText(mallory, /account_exists/);
  expectRefusal = false;
  check(taken.includes('account_exists'), `refused: ${taken}`);
  await screenshot(mallory, 'someone-elses-account');

  step = 'remove a passkey and fail to sign in with it';
  const firstId = Buffer.from(first[0].credentialId, 'base64').toString('base64url');
  await page.locator(`tr[data-id="${firstId}"] button.remove`).click();
  await page.locator('#passkeys tr').nth(1).waitFor({ state: 'detached' });
  check((await page.locator('#passkeys tr').count()) === 1, 'one passkey left');
  const second = (await cdp.send('WebAuthn.getCredentials', { authenticatorId: key })).credentials;
  await signOut(page);
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: key });
  phone = await authenticator(cdp, first);
  expectRefusal = true;
  await page.fill('#username', '');
  await page.click('#sign-in');
  const unknown = await statusText(page, /unknown_credential/);
  expectRefusal = false;
  check(unknown.includes('unknown_credential'), `refused: ${unknown}`);
  await screenshot(page, 'removed-passkey-refused');

  step = 'sign in through autofill';
  const autofillPage = await (await browser.newContext()).newPage();
  watch(autofillPage, 'autofill');
  const cdp4 = await autofillPage.context().newCDPSession(autofillPage);
  await cdp4.send('WebAuthn.enable');
  const autofillKey = await authenticator(cdp4, second);
  let autofillStart = null;
  autofillPage.on('request', (r) => { if (r.url().endsWith('/api/login/start')) autofillStart = r.postData(); });
  await autofillPage.goto(base);
  await signedInAs(autofillPage, 'alice');
  check(JSON.parse(autofillStart).autofill === true, 'signed in by the conditional request the page made on load');
  // The passkey's counter moved on: carry the credential as it is now.
  const carried = (await cdp4.send('WebAuthn.getCredentials', { authenticatorId: autofillKey })).credentials;
  await autofillPage.context().close();

  step = 'restart the server and sign in again';
  await stopServer(PORT);
  await startServer(PORT);
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: phone });
  key = await authenticator(cdp, carried);
  await page.reload();
  await page.locator('#signed-out').waitFor({ state: 'visible' });
  await page.fill('#username', 'alice');
  await page.click('#sign-in');
  await signedInAs(page, 'alice');
  check(true, 'signed in after the restart');

  step = 'recover an account after losing the phone';
  // Carol signs up on her laptop; her phone is gone. On the new phone she recovers with the
  // code from her email and the laptop's passkey (synced to the new phone, as passkey
  // providers do), then creates the new phone's own passkey: the old ones are revoked.
  const laptop = await newBrowser('carol laptop');
  await laptop.page.goto(base);
  await laptop.page.locator('#signed-out').waitFor({ state: 'visible' });
  await laptop.page.fill('#username', 'carol');
  await laptop.page.click('#sign-up');
  await signedInAs(laptop.page, 'carol');
  const synced = (await laptop.cdp.send('WebAuthn.getCredentials', { authenticatorId: laptop.id })).credentials;
  const newPhone = await newBrowser('carol new phone', synced);
  await newPhone.page.goto(base);
  await newPhone.page.locator('#signed-out').waitFor({ state: 'visible' });
  await newPhone.page.fill('#username', 'carol');
  await newPhone.page.click('#recover');
  await statusText(newPhone.page, /code is on its way/);
  const message = lastMessage('carol');
  const emailed = (message.match(/@localhost #(\d{8})/) || [])[1];
  check(Boolean(emailed), 'the email holds an 8-digit code in the origin-bound format');
  await screenshot(newPhone.page, 'recovery-code');
  await newPhone.page.fill('#recovery-code', emailed);
  await newPhone.page.click('#confirm-recovery');
  await newPhone.page.locator('#granted').waitFor({ state: 'visible', timeout: 10000 });
  check(true, 'the code and the laptop passkey recovered the account');
  // The synced passkey stays with the laptop; the new phone's authenticator makes its own.
  await newPhone.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: newPhone.id });
  newPhone.id = await authenticator(newPhone.cdp);
  await newPhone.page.click('#create-granted');
  await signedInAs(newPhone.page, 'carol');
  const recovered = await statusText(newPhone.page, /old passkeys? revoked/);
  check(/1 old passkey revoked/.test(recovered), `signed in on the new phone: ${recovered}`);
  check((await newPhone.page.locator('#passkeys tr').count()) === 1, 'only the new phone\'s passkey is listed');
  await screenshot(newPhone.page, 'recovered');
  await signOut(laptop.page);
  expectRefusal = true;
  await laptop.page.fill('#username', 'carol');
  await laptop.page.click('#sign-in');
  const revoked = await statusText(laptop.page, /did not sign in|unknown_credential/);
  expectRefusal = false;
  check(true, `the laptop's revoked passkey no longer signs in: ${revoked}`);

  step = 'add a tablet by onboarding, approved on the new phone';
  const tablet = await newBrowser('carol tablet');
  await tablet.page.goto(base);
  await tablet.page.locator('#signed-out').waitFor({ state: 'visible' });
  await tablet.page.fill('#username', 'carol');
  await tablet.page.click('#join');
  await tablet.page.locator('#joining').waitFor({ state: 'visible' });
  const link = await tablet.page.locator('#pair-link').textContent();
  const pairingCode = (await tablet.page.locator('#pair-code').textContent()).trim();
  check(link.includes('#p=') && !link.includes(pairingCode), 'the QR link carries the pairing reference, not the code');
  await screenshot(tablet.page, 'onboarding-new-device');
  // A thief who photographed the QR code has no device secret: nothing to redeem.
  const thief = await fetch(`${base}/api/onboarding/redeem`, {
    method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: '{}',
  });
  check(thief.status === 400 && (await thief.json()).error.code === 'no_pending_ceremony',
    `the photographed QR link redeems nothing (${thief.status})`);
  await newPhone.page.goto(link);
  await newPhone.page.locator('#approving').waitFor({ state: 'visible' });
  const asking = await newPhone.page.locator('#ask-device').textContent();
  check(asking.length > 0, `the approving phone shows who asks: ${asking}`);
  await screenshot(newPhone.page, 'onboarding-approve');
  await newPhone.page.fill('#approve-code', pairingCode);
  await newPhone.page.click('#approve');
  await statusText(newPhone.page, /Approved/);
  await tablet.page.locator('#granted').waitFor({ state: 'visible', timeout: 10000 });
  await tablet.page.click('#create-granted');
  await signedInAs(tablet.page, 'carol');
  check((await tablet.page.locator('#passkeys tr').count()) === 2, 'the tablet joined: two passkeys listed');
  await screenshot(tablet.page, 'onboarded');
  for (const b of [laptop, newPhone, tablet]) await b.page.context().close();

  if (POSTGRES) {
    step = 'two server instances on one PostgreSQL';
    const other = PORT + 1;
    await startServer(other);
    const bob = await (await withoutAutofill(await browser.newContext())).newPage();
    watch(bob, 'bob');
    const cdp3 = await bob.context().newCDPSession(bob);
    await cdp3.send('WebAuthn.enable');
    await authenticator(cdp3);
    await bob.goto(base);
    await bob.locator('#signed-out').waitFor({ state: 'visible' });
    await bob.fill('#username', 'bob');
    await bob.click('#sign-up');
    await signedInAs(bob, 'bob');
    await signOut(bob);
    await bob.goto(`http://localhost:${other}`);
    await bob.locator('#signed-out').waitFor({ state: 'visible' });
    await bob.fill('#username', 'bob');
    await bob.click('#sign-in');
    await signedInAs(bob, 'bob');
    check(true, 'registered on one instance, signed in on the other');
    await stopServer(other);
  } else {
    console.log('skip two server instances on one PostgreSQL: DATABASE_URL is not a PostgreSQL URL');
  }
} catch (e) {
  problems.push(String(e.stack || e));
} finally {
  await browser.close();
  for (const port of [...servers.keys()]) await stopServer(port);
}

if (problems.length) {
  console.error(`browser test FAILED:\n${problems.join('\n')}`);
  process.exit(1);
}
console.log(`browser test passed; screenshots in ${SHOTS}`);
