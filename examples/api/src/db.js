const { Pool } = require('pg');
const { PrismaClient } = require('@prisma/client');

// Reporting queries go through pg directly.
const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: 30,
  idleTimeoutMillis: 30000,
});

const prisma = new PrismaClient();

module.exports = { pool, prisma };
