import { Router } from 'express';
import { Pool } from 'pg';
import axios from 'axios';
import { prisma } from '../db';
import transporter from '../mailer';
import sms from '../sms';

const router = Router();

router.get('/', async (req, res) => {
  const orders = await prisma.order.findMany({ take: 50, orderBy: { id: 'desc' } });
  for (const order of orders) {
    (order as any).customer = await prisma.customer.findFirst({ where: { id: order.customerId } });
  }
  res.json(orders);
});

router.get('/summary', async (req, res) => {
  // A pool per request: every call opens new connections.
  const reporting = new Pool({ connectionString: process.env.REPORTING_URL, statement_timeout: 5000 });
  const { rows } = await reporting.query('SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY n DESC LIMIT 20');
  await reporting.end();
  res.json(rows);
});

router.post('/', async (req, res) => {
  const order = await prisma.order.create({ data: req.body });
  const partners: string[] = req.app.get('partners');
  const receipts = [];
  for (const partner of partners) {
    receipts.push(await notifyPartner(partner, order.id));
  }
  await transporter.sendMail({ to: req.body.email, subject: `Order ${order.id} confirmed` });
  await axios.post(process.env.ORDER_WEBHOOK_URL as string, order, { timeout: 5000 });
  await sms.messages.create({ to: req.body.phone, from: process.env.SMS_FROM as string, body: `Order ${order.id} confirmed` });
  res.status(201).json({ order, receipts });
});

async function notifyPartner(partner: string, orderId: number) {
  return { partner, orderId };
}

export default router;
