package io.ironcage.router.benchmarks.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * nginx as a plain reverse proxy in front of the upstream, for the CPU-per-request comparison
 * ARCHITECTURE.md asks for: one worker, kept-alive upstream connections, no buffering (so SSE
 * passes through as it comes), no access log. Debian: {@code apt-get install nginx-light}.
 */
final class Nginx {
    private Nginx() {}

    static LoadHarness.Child start(int upstreamPort) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("iron-router-nginx");
        int port = LoadHarness.freePort();
        String conf =
                "worker_processes 1;\n"
                        + "daemon off;\n"
                        + "pid "
                        + dir.resolve("nginx.pid")
                        + ";\n"
                        + "error_log "
                        + dir.resolve("error.log")
                        + " warn;\n"
                        + "events { worker_connections 4096; }\n"
                        + "http {\n"
                        + "  access_log off;\n"
                        + "  client_body_temp_path "
                        + dir.resolve("body")
                        + ";\n"
                        + "  proxy_temp_path "
                        + dir.resolve("proxy")
                        + ";\n"
                        + "  upstream fake { server 127.0.0.1:"
                        + upstreamPort
                        + "; keepalive 512; }\n"
                        + "  server {\n"
                        + "    listen 127.0.0.1:"
                        + port
                        + " backlog=4096;\n"
                        + "    keepalive_requests 1000000;\n"
                        + "    location / {\n"
                        + "      proxy_pass http://fake;\n"
                        + "      proxy_http_version 1.1;\n"
                        + "      proxy_set_header Connection \"\";\n"
                        + "      proxy_buffering off;\n"
                        + "      proxy_request_buffering off;\n"
                        + "    }\n"
                        + "  }\n"
                        + "}\n";
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, conf);
        String nginx = Files.isExecutable(Path.of("/usr/sbin/nginx")) ? "/usr/sbin/nginx" : "nginx";
        Process p =
                new ProcessBuilder(
                                nginx,
                                "-p",
                                dir.toString(),
                                "-c",
                                file.toString(),
                                "-e",
                                dir.resolve("error.log").toString())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("stdout.log").toFile())
                        .start();
        for (int i = 0; i < 100; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 100);
                return LoadHarness.Child.signalled("nginx", p, port);
            } catch (IOException notYet) {
                if (!p.isAlive()) {
                    throw new IllegalStateException(
                            "nginx exited: " + Files.readString(dir.resolve("stdout.log")));
                }
                Thread.sleep(50);
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException("nginx did not listen on " + port + " within 5 s");
    }
}
