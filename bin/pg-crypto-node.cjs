// pg's SCRAM primitives (node_modules/pg/lib/crypto/utils.js, same exports) on node:crypto's
// synchronous functions, for the CLI bundle only (bin/cli-bundle.cjs swaps this file in).
// pg computes them with WebCrypto, whose first use in a process costs 10-20 ms (importKey,
// promise plumbing, the thread pool) for 2.5 ms of PBKDF2: a fifth of a no-op `oceanid migrate`,
// where libpq and dbmate's Go driver compute the same values natively. Same algorithms, same
// bytes (tests/cli/pgCryptoNode.test.ts compares each with pg's own); the SCRAM exchange itself
// stays pg's.
"use strict";
const nodeCrypto = require("node:crypto");

/** @param {number} length */
function randomBytes(length) {
  return nodeCrypto.randomBytes(length);
}

/** @param {string | Buffer} text */
async function md5(text) {
  return nodeCrypto.createHash("md5").update(text).digest("hex");
}

/**
 * @param {string} user
 * @param {string} password
 * @param {Buffer} salt
 */
async function postgresMd5PasswordHash(user, password, salt) {
  const inner = await md5(password + user);
  return `md5${await md5(Buffer.concat([Buffer.from(inner), salt]))}`;
}

/** @param {Buffer | ArrayBuffer} data */
async function sha256(data) {
  return nodeCrypto.createHash("sha256").update(Buffer.from(/** @type {ArrayBuffer} */ (data))).digest();
}

/**
 * WebCrypto names ("SHA-256") as pg passes them.
 * @param {string} hashName
 * @param {Buffer | ArrayBuffer} data
 */
async function hashByName(hashName, data) {
  return nodeCrypto.createHash(hashName.replace("-", "").toLowerCase()).update(Buffer.from(/** @type {ArrayBuffer} */ (data))).digest();
}

/**
 * @param {Buffer | ArrayBuffer} key
 * @param {string} message
 */
async function hmacSha256(key, message) {
  return nodeCrypto.createHmac("sha256", Buffer.from(/** @type {ArrayBuffer} */ (key))).update(message, "utf8").digest();
}

/**
 * @param {string} password
 * @param {Uint8Array} salt
 * @param {number} iterations
 */
async function deriveKey(password, salt, iterations) {
  return nodeCrypto.pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, 32, "sha256");
}

module.exports = { postgresMd5PasswordHash, randomBytes, deriveKey, sha256, hashByName, hmacSha256, md5 };
