package dev.hcprollback.snapshot;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;

import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * The etcd client certificate, its key and the CA, as PEM text (Secret {@code etcd-client-tls} keys
 * {@code etcd-client.crt}/{@code etcd-client.key}, ConfigMap {@code etcd-ca} key {@code ca.crt}).
 */
public record EtcdCredentials(String caPem, String certPem, String keyPem) {

    public static final String SECRET = "etcd-client-tls";
    public static final String SECRET_CERT_KEY = "etcd-client.crt";
    public static final String SECRET_KEY_KEY = "etcd-client.key";
    public static final String CA_CONFIG_MAP = "etcd-ca";
    public static final String CA_KEY = "ca.crt";

    public InputStream ca() {
        return stream(caPem);
    }

    public InputStream cert() {
        return stream(certPem);
    }

    /**
     * The key as PKCS#8 ({@code BEGIN PRIVATE KEY}), which the TLS stack reads. A key in the traditional form
     * ({@code BEGIN RSA PRIVATE KEY}, as OpenShift's PKI writes them, or {@code BEGIN EC PRIVATE KEY}) is
     * converted; any other PEM text is handed on as it is.
     *
     * @throws IllegalArgumentException when the key's PEM text cannot be read
     */
    public InputStream key() {
        try (PEMParser parser = new PEMParser(new StringReader(keyPem))) {
            if (!(parser.readObject() instanceof PEMKeyPair traditional)) {
                return stream(keyPem);
            }
            PrivateKey key = new JcaPEMKeyConverter().getPrivateKey(traditional.getPrivateKeyInfo());
            StringWriter pkcs8 = new StringWriter();
            try (JcaPEMWriter writer = new JcaPEMWriter(pkcs8)) {
                writer.writeObject(new JcaPKCS8Generator(key, null));
            }
            return stream(pkcs8.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException("the etcd client key cannot be read: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "EtcdCredentials[key hidden]";
    }

    private static InputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }
}
