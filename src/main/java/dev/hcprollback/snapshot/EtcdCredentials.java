package dev.hcprollback.snapshot;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

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

    /** The key as PKCS#8, which the TLS stack reads; a PKCS#1 RSA key ({@code BEGIN RSA PRIVATE KEY}) is wrapped. */
    public InputStream key() {
        String rsa = between(keyPem, "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----");
        if (rsa == null) {
            return stream(keyPem);
        }
        byte[] pkcs1 = Base64.getMimeDecoder().decode(rsa);
        byte[] pkcs8 = wrapRsa(pkcs1);
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(pkcs8) + "\n-----END PRIVATE KEY-----\n";
        return stream(pem);
    }

    @Override
    public String toString() {
        return "EtcdCredentials[key hidden]";
    }

    private static String between(String text, String begin, String end) {
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        return from < 0 || to < from ? null : text.substring(from + begin.length(), to).replaceAll("\\s", "");
    }

    /** PrivateKeyInfo { version 0, AlgorithmIdentifier rsaEncryption NULL, OCTET STRING pkcs1 }. */
    private static byte[] wrapRsa(byte[] pkcs1) {
        byte[] version = { 0x02, 0x01, 0x00 };
        byte[] algorithm = { 0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01,
                0x01, 0x05, 0x00 };
        byte[] octets = der(0x04, pkcs1);
        byte[] body = new byte[version.length + algorithm.length + octets.length];
        System.arraycopy(version, 0, body, 0, version.length);
        System.arraycopy(algorithm, 0, body, version.length, algorithm.length);
        System.arraycopy(octets, 0, body, version.length + algorithm.length, octets.length);
        return der(0x30, body);
    }

    private static byte[] der(int tag, byte[] content) {
        byte[] length;
        if (content.length < 128) {
            length = new byte[] { (byte) content.length };
        } else {
            byte[] n = BigInteger.valueOf(content.length).toByteArray();
            int skip = n[0] == 0 ? 1 : 0;
            length = new byte[n.length - skip + 1];
            length[0] = (byte) (0x80 | (n.length - skip));
            System.arraycopy(n, skip, length, 1, n.length - skip);
        }
        byte[] out = new byte[1 + length.length + content.length];
        out[0] = (byte) tag;
        System.arraycopy(length, 0, out, 1, length.length);
        System.arraycopy(content, 0, out, 1 + length.length, content.length);
        return out;
    }

    private static InputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }
}
