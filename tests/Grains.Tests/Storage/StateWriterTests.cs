using AirQuality.Grains.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.Storage;

namespace AirQuality.Grains.Tests.Storage;

/// <summary>The state writer over a store that refuses, conflicts or breaks after committing (no cluster).</summary>
public sealed class StateWriterTests
{
    private sealed class Box
    {
        public int Value { get; set; }
    }

    /// <summary>A grain's persisted state over a store with version tags: a write with an old tag is a conflict.</summary>
    private sealed class FakeState : IPersistentState<Box>
    {
        public int StoredValue { get; private set; }
        public int StoredVersion { get; private set; }
        public int Writes { get; private set; }

        /// <summary>The next writes throw without reaching the store.</summary>
        public bool Refuse { get; set; }

        /// <summary>The next write reaches the store, then its connection breaks (it throws all the same).</summary>
        public bool BreakAfterCommit { get; set; }

        public Box State { get; set; } = new();
        public string? Etag { get; set; } = "0";
        public bool RecordExists => StoredVersion > 0;

        public Task WriteStateAsync()
        {
            Writes++;
            if (Refuse) throw new TimeoutException("store down");
            if (Etag != StoredVersion.ToString()) throw new InconsistentStateException("version conflict", StoredVersion.ToString(), Etag);
            StoredValue = State.Value;
            StoredVersion++;
            if (BreakAfterCommit)
            {
                BreakAfterCommit = false;
                throw new IOException("connection reset");
            }
            Etag = StoredVersion.ToString();
            return Task.CompletedTask;
        }

        public Task ReadStateAsync()
        {
            State = new Box { Value = StoredValue };
            Etag = StoredVersion.ToString();
            return Task.CompletedTask;
        }

        public Task ClearStateAsync() => throw new NotSupportedException();

        /// <summary>Another activation wrote meanwhile.</summary>
        public void WrittenElsewhere(int value)
        {
            StoredValue = value;
            StoredVersion++;
        }
    }

    private sealed class Harness
    {
        public FakeState State { get; } = new();
        public WriteBufferMonitor Monitor { get; } = new(new FakeTimeProvider());
        public List<Func<CancellationToken, Task>> Retries { get; } = [];
        public int RetriesStopped { get; private set; }
        public StateWriter<Box> Writer { get; }

        public Harness() => Writer = new(State, "city/delhi", "Delhi", Monitor, NullLogger.Instance, retry =>
        {
            Retries.Add(retry);
            return new Stop(() => RetriesStopped++);
        });

        public int Unsaved => Monitor.Snapshot("test").UnsavedStates;
    }

    private sealed class Stop(Action stop) : IDisposable
    {
        public void Dispose() => stop();
    }

    [Fact]
    public async Task An_unchanged_state_is_not_written_a_changed_one_is()
    {
        var h = new Harness();
        await h.Writer.SaveAsync(changed: false);
        Assert.Equal(0, h.State.Writes);

        h.State.State.Value = 7;
        await h.Writer.SaveAsync(changed: true);
        Assert.Equal(1, h.State.Writes);
        Assert.Equal(7, h.State.StoredValue);
        Assert.False(h.Writer.Unsaved);
        Assert.Empty(h.Retries);
    }

    [Fact]
    public async Task A_refused_write_is_kept_counted_and_retried_by_one_timer_until_the_store_takes_it()
    {
        var h = new Harness();
        h.State.Refuse = true;
        h.State.State.Value = 1;
        await h.Writer.SaveAsync(changed: true);
        h.State.State.Value = 2;
        await h.Writer.SaveAsync(changed: true);

        Assert.True(h.Writer.Unsaved);
        Assert.Equal(1, h.Unsaved);
        Assert.Single(h.Retries);
        Assert.Equal(0, h.State.StoredValue);

        // Still refused: the retry keeps it unsaved; an unchanged save still writes while unsaved.
        await h.Retries[0](CancellationToken.None);
        Assert.Equal(3, h.State.Writes);
        Assert.True(h.Writer.Unsaved);

        h.State.Refuse = false;
        await h.Retries[0](CancellationToken.None);
        Assert.False(h.Writer.Unsaved);
        Assert.Equal(2, h.State.StoredValue);
        Assert.Equal(0, h.Unsaved);
        Assert.Equal(1, h.RetriesStopped);

        // Saved: the retry no longer writes.
        await h.Retries[0](CancellationToken.None);
        Assert.Equal(4, h.State.Writes);
    }

    [Fact]
    public async Task A_refused_write_that_reached_the_store_takes_the_stores_version_and_writes_again()
    {
        var h = new Harness();
        h.State.BreakAfterCommit = true;
        h.State.State.Value = 5;
        await h.Writer.SaveAsync(changed: true);
        Assert.True(h.Writer.Unsaved);
        Assert.Equal(1, h.State.StoredVersion);

        h.State.State.Value = 6;
        await h.Retries.Single()(CancellationToken.None);

        Assert.False(h.Writer.Unsaved);
        Assert.Equal(6, h.State.StoredValue);
        Assert.Equal(6, h.State.State.Value);
        Assert.Equal(2, h.State.StoredVersion);
    }

    [Fact]
    public async Task A_conflict_with_another_activation_is_thrown_not_retried()
    {
        var h = new Harness();
        h.State.WrittenElsewhere(9);
        h.State.State.Value = 1;

        await Assert.ThrowsAsync<InconsistentStateException>(() => h.Writer.SaveAsync(changed: true));

        Assert.False(h.Writer.Unsaved);
        Assert.Empty(h.Retries);
        Assert.Equal(9, h.State.StoredValue);
    }
}
