#!/usr/bin/env node
// Demo upstream services: each port answers with the request it saw, as JSON { service, method, path, headers, body }.
//   node scripts/echo-upstream.mjs users=8081 payments=8082 ...
import { createServer } from 'node:http';

const specs = process.argv.slice(2).map((a) => a.split('='));
if (specs.length === 0) specs.push(['echo', '8080']);
for (const [service, port] of specs) {
  createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({ service, method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }, null, 2);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`${body}\n`);
    });
  }).listen(Number(port), process.env.BIND ?? '127.0.0.1', () => console.log(`${service} upstream on :${port}`));
}
