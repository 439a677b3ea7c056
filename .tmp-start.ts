import { start } from './fixtures/reference-api/start.ts';
const t = Date.now();
const s = await start();
console.log('started', s.url, Date.now() - t, 'ms', s.logFile, s.pid);
const r = await fetch(s.url + '/api/auth/register/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', email: 'a@example.test', password: 'secret-pass-1' }) });
console.log(r.status, r.headers.get('x-request-id'), await r.text());
await s.close();
console.log('closed');
