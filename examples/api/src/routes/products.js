const fs = require('fs');
const express = require('express');
const { pool, prisma } = require('../db');
const { redis } = require('../cache');

const router = express.Router();

router.get('/', async (req, res) => {
  const page = Number(req.query.page) || 0;
  const products = await prisma.product.findMany({
    where: { active: true },
    orderBy: { id: 'asc' },
    skip: page * 20,
  });
  res.json(products);
});

router.get('/:id', async (req, res) => {
  const cached = await redis.get(`product:${req.params.id}`);
  if (cached) return res.json(JSON.parse(cached));
  const product = await prisma.product.findUnique({ where: { id: Number(req.params.id) } });
  await redis.set(`product:${req.params.id}`, JSON.stringify(product));
  res.json(product);
});

router.get('/:id/price', async (req, res) => {
  const rates = await fetch('https://rates.example.com/eur');
  res.json({ rates: await rates.json() });
});

router.get('/search', async (req, res) => {
  const { rows } = await pool.query('SELECT * FROM products WHERE name ILIKE $1 LIMIT 20', [`%${req.query.q}%`]);
  res.json(rows);
});

router.get('/catalog.pdf', (req, res) => {
  res.type('pdf').send(fs.readFileSync('static/catalog.pdf'));
});

module.exports = router;
