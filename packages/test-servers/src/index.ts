export { freePort, type RedisServer, randomPrefix, startRedis } from './redis-server.js';
