// proxy-from-env 2.x ships no type declarations; this is its one export
// (https://github.com/Rob--W/proxy-from-env#api).
declare module 'proxy-from-env' {
  /** The proxy URL for `url` from *_PROXY / ALL_PROXY / NO_PROXY, or '' for a direct connection. */
  export function getProxyForUrl(url: string | URL): string;
}
