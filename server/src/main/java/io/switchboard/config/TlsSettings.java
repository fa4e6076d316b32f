package io.switchboard.config;

/**
 * The TLS listener (the {@code tls:} section). It runs beside the plain one on {@code
 * server.port}, serving the same endpoints over {@code wss://} and {@code https://}.
 *
 * @param port port of the TLS listener; 0 means no TLS listener
 * @param certFile PEM certificate chain
 * @param keyFile PEM private key (PKCS#8, unencrypted)
 * @param dev generate and use a self-signed certificate for local development (kept under {@code
 *     dev_dir}); ignores cert_file and key_file
 * @param devDir where the development certificate is kept
 */
public record TlsSettings(int port, String certFile, String keyFile, boolean dev, String devDir) {
    public static final TlsSettings DEFAULTS = new TlsSettings(0, "", "", false, "data/dev-tls");

    public boolean enabled() {
        return port > 0 || dev;
    }
}
