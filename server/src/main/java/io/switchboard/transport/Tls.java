package io.switchboard.transport;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.switchboard.config.TlsSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS contexts: from PEM files, or a self-signed development certificate made with the JDK's own
 * {@code keytool}. OpenSSL (BoringSSL through netty-tcnative) where it loads, the JDK otherwise.
 */
public final class Tls {
    private static final Logger log = LoggerFactory.getLogger("switchboard.transport");
    private static final String DEV_PASSWORD = "switchboard-dev";

    private Tls() {}

    /** The context for the settings' TLS listener. */
    public static SslContext context(TlsSettings settings) {
        try {
            if (settings.dev()) {
                return devContext(Path.of(settings.devDir()));
            }
            return SslContextBuilder.forServer(
                            Path.of(settings.certFile()).toFile(),
                            Path.of(settings.keyFile()).toFile())
                    .sslProvider(provider())
                    .build();
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** Which TLS implementation contexts use. */
    public static String providerName() {
        return provider().name();
    }

    private static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    private static SslContext devContext(Path dir) throws IOException, GeneralSecurityException {
        Path keystore = devCertificate(dir);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, DEV_PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, DEV_PASSWORD.toCharArray());
        return SslContextBuilder.forServer(kmf).sslProvider(SslProvider.JDK).build();
    }

    /**
     * Makes (once) a self-signed certificate for localhost and 127.0.0.1 in {@code dir}: {@code
     * dev-tls.p12} for the server and {@code dev-cert.pem} for clients to trust.
     *
     * @return the keystore path
     */
    private static Path devCertificate(Path dir) throws IOException {
        Path keystore = dir.resolve("dev-tls.p12");
        Path pem = dir.resolve("dev-cert.pem");
        if (Files.exists(keystore) && Files.exists(pem)) {
            return keystore;
        }
        Files.createDirectories(dir);
        Files.deleteIfExists(keystore);
        String keytool =
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(List.of(
                keytool,
                "-genkeypair",
                "-alias",
                "switchboard",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-ext",
                "san=dns:localhost,ip:127.0.0.1",
                "-validity",
                "825",
                "-keystore",
                keystore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                DEV_PASSWORD,
                "-keypass",
                DEV_PASSWORD));
        run(List.of(
                keytool,
                "-exportcert",
                "-rfc",
                "-alias",
                "switchboard",
                "-keystore",
                keystore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                DEV_PASSWORD,
                "-file",
                pem.toString()));
        log.info("generated a self-signed development certificate: {} (trust it in clients)", pem.toAbsolutePath());
        return keystore;
    }

    private static void run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running keytool", e);
        }
    }
}
