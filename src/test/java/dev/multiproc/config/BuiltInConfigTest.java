package dev.multiproc.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shipped configuration read as the build rendered it ({@link BuiltInConfig}): the same values, of the same types, as SnakeYAML reads. */
class BuiltInConfigTest {

    @Test
    void theBuildRenderedTheShippedConfigurationAsSnakeYamlReadsIt() {
        Map<String, Object> rendered = BuiltInConfig.rendered();
        assertNotNull(rendered, "the build renders config.yml (exec built-in-config)");
        assertEquals(ConfigFile.load(Path.of("config.yml")).values(), rendered);
        assertEquals(rendered, ConfigFile.defaults().values());
    }

    @Test
    void everyKindOfValueItHoldsComesBackAsItWas() {
        Map<String, Object> values = ConfigFile.parse("test", new StringReader(
                "cluster_name: 'a b: c'\nparallelism: 7\nhistory_max_tasks: 5000000000\njournal_server: false\nkill_grace: 2s\n"
                        + "log_dir: 'x=y'\n")).values();
        assertEquals(Long.class, values.get("history_max_tasks").getClass(), "SnakeYAML reads it as a long");
        assertEquals(values, BuiltInConfig.read(BuiltInConfig.render(values)));
    }

    @Test
    void aValueTheLinesDoNotHoldLeavesTheFileToSnakeYaml() {
        Map<String, Object> list = new LinkedHashMap<>();
        list.put("parallelism", List.of(1, 2));
        assertNull(BuiltInConfig.render(list));
        Map<String, Object> nothing = new LinkedHashMap<>();
        nothing.put("host", null);
        assertNull(BuiltInConfig.render(nothing));
        assertNull(BuiltInConfig.render(Map.of("cluster_name", "two\nlines")));
    }
}
