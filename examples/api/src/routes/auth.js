const crypto = require('crypto');
const express = require('express');
const { pool } = require('../db');

const router = express.Router();

router.post('/login', async (req, res) => {
  const { rows } = await pool.query('SELECT id, salt, hash FROM users WHERE email = $1 LIMIT 1', [req.body.email]);
  const user = rows[0];
  if (!user) return res.status(401).end();
  const hash = crypto.pbkdf2Sync(req.body.password, user.salt, 310000, 32, 'sha256').toString('hex');
  res.status(hash === user.hash ? 200 : 401).end();
});

module.exports = router;
