package dev.hcprollback.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
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
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

import dev.hcprollback.snapshot.EtcdCredentials;

/** A throw-away CA with an etcd server certificate (127.0.0.1, localhost) and a client certificate. */
public final class TestPki {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    public final String caPem;
    public final String serverCertPem;
    public final String serverKeyPem;
    public final String clientCertPem;
    /** PKCS#1 ({@code BEGIN RSA PRIVATE KEY}), as OpenShift's PKI writes keys. */
    public final String clientKeyPem;

    public TestPki() {
        try {
            KeyPair ca = rsa();
            X500Name caName = new X500Name("CN=test-etcd-ca");
            X509Certificate caCert = sign(caName, ca, caName, ca.getPublic(), true, null, null);
            KeyPair server = rsa();
            X509Certificate serverCert = sign(caName, ca, new X500Name("CN=etcd-server"), server.getPublic(), false,
                    new GeneralNames(new GeneralName[] { new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                            new GeneralName(GeneralName.dNSName, "localhost") }),
                    new KeyPurposeId[] { KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth });
            KeyPair client = rsa();
            X509Certificate clientCert = sign(caName, ca, new X500Name("CN=etcd-client"), client.getPublic(), false, null,
                    new KeyPurposeId[] { KeyPurposeId.id_kp_clientAuth });
            caPem = pem(caCert);
            serverCertPem = pem(serverCert);
            serverKeyPem = pkcs8(server.getPrivate());
            clientCertPem = pem(clientCert);
            clientKeyPem = pem(client.getPrivate());
        } catch (Exception e) {
            throw new IllegalStateException("could not generate test certificates", e);
        }
    }

    public EtcdCredentials clientCredentials() {
        return new EtcdCredentials(caPem, clientCertPem, clientKeyPem);
    }

    /** Writes ca.crt, server.crt, server.key, client.crt, client.key into a directory. */
    public Path writeTo(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("ca.crt"), caPem);
            Files.writeString(dir.resolve("server.crt"), serverCertPem);
            Files.writeString(dir.resolve("server.key"), serverKeyPem);
            Files.writeString(dir.resolve("client.crt"), clientCertPem);
            Files.writeString(dir.resolve("client.key"), clientKeyPem);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(X500Name issuer, KeyPair issuerKey, X500Name subject,
            java.security.PublicKey key, boolean isCa, GeneralNames names, KeyPurposeId[] purposes) throws Exception {
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(2))), subject, key);
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
        builder.addExtension(Extension.keyUsage, true, isCa
                ? new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature)
                : new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        if (names != null) {
            builder.addExtension(Extension.subjectAlternativeName, false, names);
        }
        if (purposes != null) {
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
        }
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuerKey.getPrivate())));
    }

    private static String pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(new JcaMiscPEMGenerator(object));
        }
        return text.toString();
    }

    private static String pkcs8(PrivateKey key) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(new PemObject("PRIVATE KEY", key.getEncoded()));
        }
        return text.toString();
    }
}
