// A webhook receiver that verifies every delivery with the standardwebhooks library and drops repeats by
// webhook-id. Usage: WEBHOOK_SECRET=whsec_... PORT=4000 node examples/webhook-receiver/receiver.js
const { createServer } = require('node:http');
const { Webhook } = require('standardwebhooks');

const webhook = new Webhook(process.env.WEBHOOK_SECRET);
const seen = new Set();
createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let payload;
    try {
      payload = webhook.verify(Buffer.concat(chunks).toString('utf8'), req.headers); // throws on a bad signature or an old timestamp
    } catch (error) {
      console.error(`refused: ${error.message}`);
      return res.writeHead(400).end();
    }
    const id = req.headers['webhook-id'];
    if (!seen.has(id)) {
      seen.add(id);
      console.log(JSON.stringify({ webhookId: id, type: payload.type, organizationId: payload.organizationId, data: payload.data }));
    }
    res.writeHead(204).end();
  });
}).listen(Number(process.env.PORT ?? 4000), '127.0.0.1');
