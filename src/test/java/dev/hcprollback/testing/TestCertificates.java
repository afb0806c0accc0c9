package dev.hcprollback.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority for tests: issues server and client certificates for
 * loopback and writes them as PEM files, as service-ca, OLM or etcd's own tooling would.
 */
public final class TestCertificates {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** A certificate with its key, as PEM files on disk. */
    public record Issued(X509Certificate certificate, KeyPair keys, Path certFile, Path keyFile) {

        public String certPem() {
            return read(certFile);
        }

        /** PKCS#8 ({@code BEGIN PRIVATE KEY}). */
        public String keyPem() {
            return read(keyFile);
        }

        /** The traditional form ({@code BEGIN RSA PRIVATE KEY} for RSA), as OpenShift's PKI writes keys. */
        public String traditionalKeyPem() {
            try {
                return pem(keys.getPrivate());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private final KeyPair caKeys;
    private final X509Certificate caCertificate;
    private final Path caFile;
    private final String algorithm;

    private TestCertificates(KeyPair caKeys, X509Certificate caCertificate, Path caFile, String algorithm) {
        this.caKeys = caKeys;
        this.caCertificate = caCertificate;
        this.caFile = caFile;
        this.algorithm = algorithm;
    }

    /** An EC authority: small keys, fast to make; what service-ca and OLM would hand the webhook is alike. */
    public static TestCertificates newAuthority(Path dir, String name) {
        return newAuthority(dir, name, "EC");
    }

    /** An RSA authority, as HyperShift's PKI issues etcd's certificates. */
    public static TestCertificates newRsaAuthority(Path dir, String name) {
        return newAuthority(dir, name, "RSA");
    }

    private static TestCertificates newAuthority(Path dir, String name, String algorithm) {
        try {
            Files.createDirectories(dir);
            KeyPair keys = keyPair(algorithm);
            X500Name subject = new X500Name("CN=" + name);
            X509v3CertificateBuilder builder = builder(subject, subject, keys, Duration.ofDays(1))
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            X509Certificate certificate = sign(builder, keys, algorithm);
            Path caFile = dir.resolve(name + "-ca.crt");
            writePem(caFile, certificate);
            return new TestCertificates(keys, certificate, caFile, algorithm);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot create a test certificate authority", e);
        }
    }

    public Path caFile() {
        return caFile;
    }

    public X509Certificate caCertificate() {
        return caCertificate;
    }

    public String caPem() {
        return read(caFile);
    }

    /** The authority's private key, PEM (PKCS#8), as a CA's Secret holds it in {@code tls.key}. */
    public String caKeyPem() {
        try {
            return pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(caKeys.getPrivate(), null).generate());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A certificate for loopback usable as server and as client ({@code localhost}, 127.0.0.1, ::1). */
    public Issued issue(Path dir, String name, Duration validity) {
        return issue(dir, name, validity, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.iPAddress, "::1") }));
    }

    /**
     * A certificate for the DNS names {@code dnsNames} alone (a Service's {@code <name>.<namespace>.svc}), usable as
     * server and as client, as service-ca or cert-manager issue a Service's serving certificate.
     */
    public Issued issueFor(Path dir, String name, Duration validity, java.util.List<String> dnsNames) {
        return issue(dir, name, validity, new GeneralNames(dnsNames.stream()
                .map(dns -> new GeneralName(GeneralName.dNSName, dns)).toArray(GeneralName[]::new)));
    }

    private Issued issue(Path dir, String name, Duration validity, GeneralNames names) {
        try {
            Files.createDirectories(dir);
            KeyPair keys = keyPair(algorithm);
            X509v3CertificateBuilder builder = builder(new X500Name(caCertificate.getSubjectX500Principal().getName()),
                    new X500Name("CN=" + name), keys, validity)
                    .addExtension(Extension.subjectAlternativeName, false, names)
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            new KeyPurposeId[] { KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth }));
            X509Certificate certificate = sign(builder, caKeys, algorithm);
            Path certFile = dir.resolve(name + ".crt");
            Path keyFile = dir.resolve(name + ".key");
            writePem(certFile, certificate);
            writePem(keyFile, keys.getPrivate());
            return new Issued(certificate, keys, certFile, keyFile);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue test certificate " + name, e);
        }
    }

    /** A TLS context serving {@code tls} (issued by this authority) with its chain, for an in-process HTTPS server. */
    public javax.net.ssl.SSLContext serverContext(Issued tls) {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("tls", tls.keys().getPrivate(), new char[0],
                    new java.security.cert.Certificate[] { tls.certificate(), caCertificate });
            javax.net.ssl.KeyManagerFactory managers = javax.net.ssl.KeyManagerFactory
                    .getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            managers.init(keys, new char[0]);
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(managers.getKeyManagers(), null, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot serve " + tls.certFile(), e);
        }
    }

    /** A TLS context that trusts this authority alone, for a client of a server it issued the certificate of. */
    public javax.net.ssl.SSLContext clientContext() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", caCertificate);
            javax.net.ssl.TrustManagerFactory factory = javax.net.ssl.TrustManagerFactory
                    .getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot trust " + caFile, e);
        }
    }

    /** A PKCS#12 trust store holding this authority, for HTTPS clients such as RestAssured. */
    public Path trustStore(Path file, String password) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("ca", caCertificate);
            try (OutputStream out = Files.newOutputStream(file)) {
                store.store(out, password.toCharArray());
            }
            return file;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot write trust store " + file, e);
        }
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys, Duration validity) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), subject, keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer, String algorithm)
            throws GeneralSecurityException {
        String signature = "RSA".equals(algorithm) ? "SHA256withRSA" : "SHA256withECDSA";
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(signature).build(signer.getPrivate())));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair keyPair(String algorithm) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
        generator.initialize("RSA".equals(algorithm) ? 2048 : 256);
        return generator.generateKeyPair();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
            pem.writeObject(object);
        }
        return text.toString();
    }

    private static void writePem(Path file, Object object) throws IOException {
        String text = pem(object instanceof java.security.PrivateKey key
                ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null).generate()
                : object);
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, text);
        Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
