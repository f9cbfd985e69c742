const Redis = require('ioredis');
const NodeCache = require('node-cache');

const redis = new Redis(process.env.REDIS_URL);
const local = new NodeCache();

module.exports = { redis, local };
