import { PGlite } from '@electric-sql/pglite';
import fs from 'node:fs';
let t=Date.now();
if (!fs.existsSync('/tmp/pgdump.tar')) {
const db = new PGlite();
await db.waitReady;
await db.exec('create table t(id bigint generated always as identity primary key, n text)');
const f = await db.dumpDataDir('none');
fs.writeFileSync('/tmp/pgdump.tar', Buffer.from(await f.arrayBuffer()));
console.log('dumped', Date.now()-t, fs.statSync('/tmp/pgdump.tar').size);
await db.close();
}
t=Date.now();
const buf = fs.readFileSync('/tmp/pgdump.tar');
const db2 = new PGlite({ loadDataDir: new Blob([buf]) });
await db2.waitReady;
console.log('loaded', Date.now()-t);
console.log((await db2.query('insert into t(n) values($1) returning id',['x'])).rows);
