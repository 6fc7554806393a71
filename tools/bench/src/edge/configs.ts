// The generated configs of the edge bench: the upstream nginx, the two C proxies and nines-edge.
// Pure functions of ports and directories, so that they can be read (and tested) without running them.

export const smallBody = `${'x'.repeat(99)}\n` // 100 bytes
export const largeBytes = 1024 * 1024

/** Lines every nginx here shares: foreground, one worker, files in `dir`, no access log. */
export function nginxHead(dir: string, root: boolean): string[] {
  return [
    // Running as root, workers would switch to `nobody`, who cannot read the bench's 0700 temp dir.
    ...(root ? ['user root;'] : []),
    'daemon off;',
    'master_process on;',
    'worker_processes 1;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    'events { worker_connections 4096; }',
    'http {',
    '  access_log off;',
    // Keep wrk's and the proxies' connections open for the whole run (the default closes after 1000).
    '  keepalive_requests 10000000;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
      (kind) => `  ${kind}_temp_path ${dir}/${kind};`,
    ),
  ]
}

/** Three listeners in one nginx (1 worker): `/` 100 B, `/large` 1 MB from a file (sendfile), `/health`. */
export function upstreamNginx(dir: string, ports: readonly number[], root: boolean): string {
  return [
    ...nginxHead(dir, root),
    '  sendfile on;',
    '  server {',
    ...ports.map((port) => `    listen 127.0.0.1:${port};`),
    `    root ${dir}/www;`,
    `    location = / { default_type text/plain; return 200 ${JSON.stringify(smallBody)}; }`,
    '    location = /large { default_type application/octet-stream; }',
    '    location = /health { default_type text/plain; return 200 "ok\\n"; }',
    '  }',
    '}',
    '',
  ].join('\n')
}

/** nginx as a reverse proxy: upstream keepalive 64, HTTP/1.1 to the upstreams, `Connection ""`. */
export function proxyNginx(dir: string, port: number, upstreams: readonly number[], root: boolean): string {
  return [
    ...nginxHead(dir, root),
    '  upstream app {',
    ...upstreams.map((p) => `    server 127.0.0.1:${p};`),
    '    keepalive 64;',
    '    keepalive_requests 10000000;',
    '  }',
    '  server {',
    `    listen 127.0.0.1:${port};`,
    '    location / {',
    '      proxy_pass http://app;',
    '      proxy_http_version 1.1;',
    '      proxy_set_header Connection "";',
    // 1 MB answers would otherwise spill to temp files on disk (/tmp is not tmpfs here); with 0 nginx
    // streams through its memory buffers like the other proxies.
    '      proxy_max_temp_file_size 0;',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n')
}

/** Every HAProxy here: one thread, room for 4,000 client connections, keep-alive both sides. */
export function haproxyHead(): string[] {
  return [
    'global',
    '  nbthread 1',
    '  maxconn 8000',
    'defaults',
    '  mode http',
    '  option http-keep-alive',
    '  http-reuse safe',
    '  timeout connect 5s',
    '  timeout client 30s',
  ]
}

/** HAProxy, one thread, keep-alive both sides, round robin, HTTP health checks on every 2 s. */
export function haproxy(port: number, upstreams: readonly number[]): string {
  return [
    ...haproxyHead(),
    '  timeout server 30s',
    'frontend fe',
    `  bind 127.0.0.1:${port}`,
    '  default_backend app',
    'backend app',
    '  balance roundrobin',
    '  option httpchk GET /health',
    ...upstreams.map((p, i) => `  server u${i + 1} 127.0.0.1:${p} check inter 2s`),
    '',
  ].join('\n')
}

export const edgeInstance = 'edge1'

/** The instance part of every nines-edge config here: one instance `edge1`, its admin port, warn logs. */
export function ninesEdgeHead(port: number, adminPort: number, stateDir: string): string[] {
  return [
    'instances:',
    `  ${edgeInstance}:`,
    `    edge: { listen: ['127.0.0.1:${port}'] }`,
    `    admin: { address: 127.0.0.1, port: ${adminPort} }`,
    `    stateDir: ${JSON.stringify(stateDir)}`,
    'log: { level: warn }',
  ]
}

/** nines-edge: one instance, one pool of the three upstreams with HTTP checks, every host → that pool. */
export function ninesEdge(
  port: number,
  adminPort: number,
  stateDir: string,
  upstreams: readonly number[],
): string {
  return [
    ...ninesEdgeHead(port, adminPort, stateDir),
    'pools:',
    '  app:',
    '    check: { kind: http, path: /health, intervalMs: 2000, timeoutMs: 1000 }',
    '    endpoints:',
    ...upstreams.map((p, i) => `      - { name: u${i + 1}, address: 127.0.0.1, port: ${p} }`),
    'edge:',
    '  routes:',
    "    - { host: '*', pool: app }",
    '',
  ].join('\n')
}
