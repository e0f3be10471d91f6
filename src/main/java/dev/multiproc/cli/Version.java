package dev.multiproc.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** The version printed by {@code --version}: the project's, written into the build by Maven. */
final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"multiproc " + of()};
    }

    static String of() {
        try (InputStream in = Version.class.getResourceAsStream("/dev/multiproc/version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            String v = p.getProperty("version");
            return v == null || v.startsWith("$") ? "(development build)" : v;
        } catch (IOException e) {
            return "(development build)";
        }
    }
}
