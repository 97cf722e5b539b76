import { useProxyAgent } from "../http/dispatcher";

/**
 * Node 20's http and fetch ignore HTTP_PROXY/HTTPS_PROXY/NO_PROXY (NODE_USE_ENV_PROXY came in
 * Node 24). In the cluster the provisioner reaches Label Studio and S3 only through the egress
 * proxy, so when a proxy is configured every request — Label Studio calls (client.ts), and S3
 * through marker.ts — goes through undici's global dispatcher,
 * an EnvHttpProxyAgent, which reads those variables in either case. Returns whether a proxy is
 * in use.
 */
export function useEnvironmentProxy(env: NodeJS.ProcessEnv = process.env): boolean {
  if (!["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"].some((name) => env[name])) return false;
  useProxyAgent();
  return true;
}
