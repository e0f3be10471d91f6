package dev.multiproc.cli;

import picocli.CommandLine;

/** The version printed by {@code --version}. */
final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Version.class.getPackage().getImplementationVersion();
        return new String[] {"multiproc " + (v == null ? "(development build)" : v)};
    }
}
