package dev.multiproc.journal;

import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Counters of the journal itself. */
public interface MetaDao {

    @SqlQuery("SELECT meta_value FROM journal_meta WHERE meta_key = :name")
    long get(@Bind("name") String name);

    @SqlQuery("SELECT meta_value FROM journal_meta WHERE meta_key = :name")
    java.util.Optional<Long> find(@Bind("name") String name);

    @SqlUpdate("UPDATE journal_meta SET meta_value = :value WHERE meta_key = :name")
    void set(@Bind("name") String name, @Bind("value") long value);

    @SqlUpdate("DELETE FROM journal_meta WHERE meta_key = :name")
    void remove(@Bind("name") String name);
}
