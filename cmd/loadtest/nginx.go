package main

import (
	"fmt"
	"strings"
)

// nginxConfig is the configuration nginx serves the static export with: the
// settings a site tuned for static files would use, so that the comparison
// is against nginx at its best. user is set only when running as root, where
// nginx would otherwise drop its worker to an account that cannot read a
// temporary directory. brotliModule is the path of the brotli_static
// module (Debian's libnginx-mod-http-brotli-static), loaded so that nginx
// sends the .br copies as gzip_static sends the .gz ones.
func nginxConfig(root, listen, user, brotliModule string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "load_module %s;\n", brotliModule)
	if user != "" {
		fmt.Fprintf(&b, "user %s;\n", user)
	}
	fmt.Fprintf(&b, `worker_processes 1;
daemon off;
pid nginx.pid;
error_log stderr warn;

events {
    worker_connections 4096;
}

http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    gzip_static on;
    brotli_static on;
    open_file_cache max=1000 inactive=60s;
    open_file_cache_valid 60s;
    open_file_cache_errors on;
    keepalive_timeout 120s;
    keepalive_requests 10000000;
    server_tokens off;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    # Only RSS feeds are measured; a regular expression location that
    # told atom.xml apart would cost nginx on every request.
    types {
        application/rss+xml  xml;
        application/feed+json json;
        text/html            html;
        text/css             css;
        image/jpeg           jpg;
    }
    charset utf-8;
    charset_types application/rss+xml application/feed+json text/css;

    server {
        listen %s;
        root %s;
        index index.html;
    }
}
`, listen, root)
	return b.String()
}

// brotliStaticModule is where Debian's package puts the module.
const brotliStaticModule = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so"
