package dev.hcprollback;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Properties;
import java.util.TimeZone;

import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.Level;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.junit.jupiter.api.Test;

/**
 * A console log line as the sidecar writes it (the format of application.properties, read by the log manager
 * Quarkus uses) starts with the date and time in ISO-8601 UTC, whatever the machine's time zone: lines of
 * several pods and nights can be put side by side.
 */
class LogFormatTest {

    @Test
    void aLogLineStartsWithItsDateAndTimeInUtc() throws IOException {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
            properties.load(in);
        }
        String format = properties.getProperty("quarkus.log.console.format");
        TimeZone machine = TimeZone.getDefault();
        try {
            // a machine east of UTC, so that a format in local time cannot pass
            TimeZone.setDefault(TimeZone.getTimeZone("Asia/Kolkata"));
            ExtLogRecord record = new ExtLogRecord(Level.INFO, "Rolled back", ExtLogRecord.FormatStyle.NO_FORMAT,
                    LogFormatTest.class.getName());
            record.setLoggerName("dev.hcprollback.rollback.RollbackDriver");
            record.setInstant(Instant.parse("2026-11-30T21:49:38.123Z"));

            String line = new PatternFormatter(format).format(record);

            assertEquals("2026-11-30T21:49:38.123Z INFO  [d.h.r.RollbackDriver] Rolled back" + System.lineSeparator(), line);
        } finally {
            TimeZone.setDefault(machine);
        }
    }
}
