import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** A private certificate authority made for one test run, as a managed Postgres service has. */
export interface CertificateAuthority {
  certFile: string;
  keyFile: string;
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function openssl(args: string[]): void {
  try {
    execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer };
    if (e.code === "ENOENT") throw new Error("openssl is not installed: the test Postgres needs it to make its private CA (apt-get install openssl).");
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.toString() ?? String(err)}`);
  }
}

/** A self-signed CA in `dir` (which must exist), named `name`. */
export function makeCertificateAuthority(dir: string, name: string): CertificateAuthority {
  const ca = { certFile: path.join(dir, `${name}.crt`), keyFile: path.join(dir, `${name}.key`) };
  openssl(["req", "-x509", ...EC_KEY, "-keyout", ca.keyFile, "-out", ca.certFile, "-days", "2", "-subj", `/CN=${name}`,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  return ca;
}

/** A server certificate signed by `ca` whose only subject alternative names are `altNames` (e.g. `IP:127.0.0.1`). */
export function issueServerCertificate(ca: CertificateAuthority, dir: string, name: string, altNames: string[]): { certFile: string; keyFile: string } {
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const extensions = path.join(dir, `${name}.ext`);
  fs.writeFileSync(extensions, `subjectAltName=${altNames.join(",")}\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  openssl(["req", ...EC_KEY, "-keyout", keyFile, "-out", csr, "-subj", `/CN=${name}`]);
  openssl(["x509", "-req", "-in", csr, "-CA", ca.certFile, "-CAkey", ca.keyFile, "-set_serial", `0x${Date.now().toString(16)}`, "-days", "2", "-extfile", extensions, "-out", certFile]);
  return { certFile, keyFile };
}
