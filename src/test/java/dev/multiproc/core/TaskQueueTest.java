package dev.multiproc.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The queue of tasks waiting for slots: submission order, arrays as one entry, a wide task that is overtaken
 * at most {@code maxOvertakes} times, queued tasks removed or taken back, tasks put back into their places.
 */
class TaskQueueTest {

    private static JobSpec single(long jobId, int cores) {
        return new JobSpec(jobId, "job" + jobId, "true", Resources.parse(Map.of("cores", cores)), null);
    }

    private static JobSpec array(long jobId, int steps) {
        return new JobSpec(jobId, "job" + jobId, "true", Resources.DEFAULT, steps);
    }

    private static List<String> ids(TaskQueue q) {
        List<String> ids = new ArrayList<>();
        q.forEachId(ids::add);
        return ids;
    }

    /** Takes tasks while {@code freeSlots} are free each time; their ids in the order taken. */
    private static List<String> takeAll(TaskQueue q, int freeSlots) {
        List<String> taken = new ArrayList<>();
        for (QueuedTask t = q.next(freeSlots); t != null; t = q.next(freeSlots)) {
            taken.add(t.id().toString());
        }
        return taken;
    }

    @Test
    void tasksComeOutInSubmissionOrderAndArraysStepByStep() {
        TaskQueue q = new TaskQueue(1);
        q.add(QueuedJob.all(single(1, 1)));
        q.add(QueuedJob.all(array(2, 3)));
        q.add(QueuedJob.all(single(3, 1)));
        assertEquals(5, q.size());
        assertEquals(3, q.jobCount());
        assertEquals(List.of("1", "2_0", "2_1", "2_2", "3"), ids(q));
        assertEquals(List.of("1", "2_0", "2_1", "2_2", "3"), takeAll(q, 1));
        assertTrue(q.isEmpty());
        assertEquals(0, q.jobCount());
        assertNull(q.next(4));
    }

    @Test
    void nothingIsTakenWithoutAFreeSlot() {
        TaskQueue q = new TaskQueue(1);
        q.add(QueuedJob.all(single(1, 1)));
        assertNull(q.next(0));
        assertNull(q.next(-1));
        assertEquals(1, q.size());
    }

    @Test
    void aTakenTaskIsAFirstAttemptOfItsStep() {
        TaskQueue q = new TaskQueue(1);
        q.add(QueuedJob.all(array(7, 2)));
        QueuedTask t = q.next(1);
        assertEquals(new QueuedTask(array(7, 2), 0, 0, false), t);
        assertEquals(TaskId.of(7, 0), t.id());
        q.add(QueuedJob.all(single(8, 1)));
        q.next(1);
        QueuedTask single = q.next(1);
        assertEquals(TaskId.of(8, null), single.id());
        assertNull(single.step(), "a single task has no step");
    }

    @Test
    void anEmptyJobIsNotQueued() {
        TaskQueue q = new TaskQueue(1);
        q.add(QueuedJob.none(single(1, 1)));
        assertTrue(q.isEmpty());
        assertEquals(0, q.jobCount());
        assertEquals(List.of(), ids(q));
    }

    @Test
    void moreStepsOfAJobStillQueuedKeepItsPlace() {
        TaskQueue q = new TaskQueue(1);
        JobSpec steps = array(1, 4);
        QueuedJob first = QueuedJob.none(steps);
        first.add(new QueuedTask(steps, 2, 0, false));
        q.add(first);
        q.add(QueuedJob.all(single(2, 1)));
        QueuedJob more = QueuedJob.none(steps);
        more.add(new QueuedTask(steps, 0, 0, false));
        more.add(new QueuedTask(steps, 2, 0, false)); // already queued: not twice
        q.add(more);
        assertEquals(3, q.size());
        assertEquals(2, q.jobCount());
        assertEquals(List.of("1_0", "1_2", "2"), takeAll(q, 1));
    }

    @Test
    void aWideTaskIsOvertakenAtMostMaxOvertakesTimesThenSlotsAreHeldForIt() {
        TaskQueue q = new TaskQueue(2);
        q.add(QueuedJob.all(single(1, 3)));
        for (long j = 2; j <= 5; j++) {
            q.add(QueuedJob.all(single(j, 1)));
        }
        assertFalse(q.isReservingForHead());
        assertEquals("2", q.next(2).id().toString(), "a narrow task fits beside the wide one's wait");
        assertFalse(q.isReservingForHead());
        assertEquals("3", q.next(1).id().toString());
        assertTrue(q.isReservingForHead(), "two overtakes: the slots are held for the wide task");
        assertNull(q.next(2), "nothing else starts while the wide task waits for its slots");
        assertEquals("1", q.next(3).id().toString(), "the wide task starts once its slots are free");
        assertFalse(q.isReservingForHead());
        assertEquals(List.of("4", "5"), takeAll(q, 1), "and the count starts over for the next head");
    }

    @Test
    void withoutOvertakesTheHeadWaitsAlone() {
        TaskQueue q = new TaskQueue(0);
        q.add(QueuedJob.all(single(1, 2)));
        q.add(QueuedJob.all(single(2, 1)));
        assertNull(q.next(1));
        assertTrue(q.isReservingForHead());
        assertEquals(List.of("1", "2"), takeAll(q, 2));
    }

    @Test
    void whenNoQueuedTaskFitsNoneIsTaken() {
        TaskQueue q = new TaskQueue(5);
        q.add(QueuedJob.all(single(1, 4)));
        q.add(QueuedJob.all(single(2, 3)));
        assertNull(q.next(2));
        assertEquals(2, q.size());
        assertEquals("2", q.next(3).id().toString(), "a narrower one overtakes once it fits");
    }

    @Test
    void aQueuedTaskIsRemovedOnceAndNeverTaken() {
        TaskQueue q = new TaskQueue(1);
        JobSpec steps = array(1, 3);
        q.add(QueuedJob.all(steps));
        q.add(QueuedJob.all(single(2, 1)));
        assertTrue(q.contains(TaskId.of(1, 1)));
        assertEquals(new QueuedTask(steps, 1, 0, false), q.remove(TaskId.of(1, 1)));
        assertFalse(q.contains(TaskId.of(1, 1)));
        assertNull(q.remove(TaskId.of(1, 1)), "not queued any more");
        assertEquals(3, q.size());
        assertEquals(List.of("1_0", "1_2", "2"), ids(q));
        assertEquals(List.of("1_0", "1_2", "2"), takeAll(q, 1));
    }

    @Test
    void idsThatAreNotQueuedAreNotFound() {
        TaskQueue q = new TaskQueue(1);
        q.add(QueuedJob.all(array(1, 3)));
        q.add(QueuedJob.all(single(2, 1)));
        for (TaskId id : List.of(TaskId.of(1, 3), TaskId.of(1, -1), TaskId.of(1, null), TaskId.of(2, 0), TaskId.of(9, null))) {
            assertFalse(q.contains(id), id.toString());
            assertNull(q.remove(id), id.toString());
        }
        assertEquals(4, q.size());
    }

    @Test
    void removingEveryTaskOfAJobForgetsIt() {
        TaskQueue q = new TaskQueue(1);
        q.add(QueuedJob.all(array(1, 2)));
        q.add(QueuedJob.all(single(2, 1)));
        assertTrue(q.remove(TaskId.of(1, 0)) != null && q.remove(TaskId.of(1, 1)) != null);
        assertEquals(1, q.size());
        assertEquals(1, q.jobCount());
        assertEquals(List.of("2"), ids(q));
        assertEquals(List.of("2"), takeAll(q, 1));
    }

    @Test
    void aWideHeadRemovedWhileSlotsAreHeldForItHoldsNothingAnyMore() {
        TaskQueue q = new TaskQueue(1);
        q.add(QueuedJob.all(single(1, 4)));
        q.add(QueuedJob.all(single(2, 1)));
        q.add(QueuedJob.all(single(3, 1)));
        assertEquals("2", q.next(1).id().toString());
        assertNull(q.next(1));
        assertTrue(q.isReservingForHead());
        assertEquals(new QueuedTask(single(1, 4), null, 0, false), q.remove(TaskId.of(1, null)));
        assertFalse(q.isReservingForHead());
        assertEquals("3", q.next(1).id().toString());
        assertTrue(q.isEmpty());
    }

    @Test
    void drainTakesEveryQueuedTaskInOrder() {
        TaskQueue q = new TaskQueue(1);
        q.add(QueuedJob.all(array(1, 2)));
        q.add(QueuedJob.all(single(2, 1)));
        q.next(1);
        List<String> drained = q.drain().stream().map(t -> t.id().toString()).toList();
        assertEquals(List.of("1_1", "2"), drained);
        assertTrue(q.isEmpty());
        assertEquals(0, q.jobCount());
        assertFalse(q.contains(TaskId.of(2, null)));
        assertNull(q.next(1));
        q.add(QueuedJob.all(single(3, 1)));
        assertEquals(List.of("3"), takeAll(q, 1), "the queue works on after a drain");
    }

    @Test
    void aTaskPutBackGoesBeforeEveryJobSubmittedAfterIt() {
        TaskQueue q = new TaskQueue(1);
        q.add(QueuedJob.all(single(1, 1)));
        q.add(QueuedJob.all(single(2, 1)));
        q.add(QueuedJob.all(single(4, 1)));
        QueuedTask one = q.next(1);
        QueuedTask two = q.next(1);
        QueuedTask four = q.next(1);
        q.add(QueuedJob.all(single(5, 1)));
        q.putBack(four); // a start that failed for want of a resource: back in its place, not at the end
        assertEquals(List.of("4", "5"), ids(q));
        q.putBack(one);
        q.putBack(two);
        assertEquals(List.of("1", "2", "4", "5"), ids(q), "after the jobs submitted before it, before those after it");
        assertEquals(4, q.size());
        assertEquals(4, q.jobCount());
        assertEquals(List.of("1", "2", "4", "5"), takeAll(q, 1));
    }

    @Test
    void aStepPutBackRejoinsItsJobInStepOrderAndIsNotCountedTwice() {
        TaskQueue q = new TaskQueue(1);
        JobSpec steps = array(1, 3);
        q.add(QueuedJob.all(steps));
        QueuedTask step0 = q.next(1);
        q.putBack(step0);
        q.putBack(step0);
        assertEquals(3, q.size());
        assertEquals(List.of("1_0", "1_1", "1_2"), takeAll(q, 1));
    }

    @Test
    void aTaskPutBackKeepsItsAttemptAndARequeuedTaskItsClaim() {
        TaskQueue q = new TaskQueue(1);
        JobSpec steps = array(1, 3);
        QueuedJob recovered = QueuedJob.none(steps);
        recovered.addRequeued(1, 2); // recovery: attempt 2 may still arrive from the dead host; claim it first
        recovered.add(new QueuedTask(steps, 0, 0, false));
        q.add(recovered);
        assertEquals(new QueuedTask(steps, 0, 0, false), q.next(1));
        QueuedTask claimFirst = q.next(1);
        assertEquals(new QueuedTask(steps, 1, 2, true), claimFirst);
        QueuedTask retry = claimFirst.asAttempt(3);
        assertEquals(new QueuedTask(steps, 1, 3, false), retry, "the attempt after the claimed one, nothing left to claim");
        q.putBack(retry); // its start failed for want of a resource: the same attempt runs later
        assertEquals(retry, q.next(1));
        q.putBack(new QueuedTask(steps, 1, 0, false));
        assertEquals(new QueuedTask(steps, 1, 0, false), q.next(1), "a first attempt put back carries no attempt of before");
    }

    @Test
    void aJobMadeOfRequeuedStepsMergesWithItsQueuedEntry() {
        TaskQueue q = new TaskQueue(1);
        JobSpec steps = array(1, 4);
        QueuedJob queued = QueuedJob.none(steps);
        queued.add(new QueuedTask(steps, 3, 0, false));
        q.add(queued);
        QueuedJob requeued = QueuedJob.none(steps);
        requeued.addRequeued(1, 0);
        q.add(requeued);
        assertEquals(2, q.size());
        assertEquals(new QueuedTask(steps, 1, 0, true), q.next(1), "the requeued step keeps its claim");
        assertEquals(new QueuedTask(steps, 3, 0, false), q.next(1));
    }

    @Test
    void aRemovedRequeuedTaskComesBackWithItsClaim() {
        TaskQueue q = new TaskQueue(1);
        JobSpec one = single(4, 1);
        QueuedJob recovered = QueuedJob.none(one);
        recovered.addRequeued(null, 5);
        q.add(recovered);
        assertEquals(List.of("4"), ids(q));
        assertEquals(new QueuedTask(one, null, 5, true), q.remove(TaskId.of(4, null)), "terminated while queued: the claim goes with it");
        assertTrue(q.isEmpty());
    }

    @Test
    void anArrayOfAHundredThousandStepsIsOneJob() {
        TaskQueue q = new TaskQueue(1);
        q.add(QueuedJob.all(array(1, 100_000)));
        assertEquals(100_000, q.size());
        assertEquals(1, q.jobCount());
        assertTrue(q.contains(TaskId.of(1, 99_999)));
        assertFalse(q.contains(TaskId.of(1, 100_000)));
        assertEquals("1_0", q.next(1).id().toString());
        assertEquals(new QueuedTask(array(1, 100_000), 99_999, 0, false), q.remove(TaskId.of(1, 99_999)));
        assertEquals(99_998, q.size());
    }
}
