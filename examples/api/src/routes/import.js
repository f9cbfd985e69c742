const express = require('express');
const { prisma } = require('../db');

const router = express.Router();

router.post('/products', async (req, res) => {
  let created = 0;
  for (const row of req.body.products) {
    await prisma.product.upsert({ where: { sku: row.sku }, create: row, update: row });
    created += 1;
  }
  res.json({ created });
});

module.exports = router;
