using AgentHost.Plugins;
using Microsoft.Extensions.Time.Testing;

namespace AgentHost.Tests.Plugins;

/// <summary>The <c>datetime</c> plugin: now (from the TimeProvider) in UTC and IANA zones, conversion and date arithmetic.</summary>
public sealed class DateTimePluginTests
{
    // Half an hour before Berlin moves its clocks forward (2025-03-30 01:00 UTC).
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 3, 30, 0, 30, 0, TimeSpan.Zero));
    private readonly DateTimePlugin _plugin;

    public DateTimePluginTests() => _plugin = new DateTimePlugin(_clock);

    [Fact]
    public void Now_is_the_time_providers_time_in_utc_by_default() =>
        Assert.Equal("2025-03-30T00:30:00Z (Sunday, UTC)", _plugin.Now());

    [Fact]
    public void Now_in_an_iana_zone_follows_daylight_saving()
    {
        Assert.Equal("2025-03-30T01:30:00+01:00 (Sunday, Europe/Berlin)", _plugin.Now("Europe/Berlin"));
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal("2025-03-30T03:30:00+02:00 (Sunday, Europe/Berlin)", _plugin.Now("Europe/Berlin"));
        Assert.Equal("2025-03-29T21:30:00-04:00 (Saturday, America/New_York)", _plugin.Now("America/New_York"));
    }

    [Fact]
    public void An_unknown_zone_is_refused_with_examples_of_valid_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => _plugin.Now("Mars/Olympus_Mons"));
        Assert.Contains("Unknown time zone 'Mars/Olympus_Mons'", e.Message);
        Assert.Contains("Europe/London", e.Message);
    }

    [Theory]
    [InlineData("2025-03-01T09:30:00Z", "Asia/Tokyo", null, "2025-03-01T18:30:00+09:00 (Saturday, Asia/Tokyo)")]
    [InlineData("2025-03-01T09:30", "UTC", "Europe/Paris", "2025-03-01T08:30:00Z (Saturday, UTC)")]
    [InlineData("2025-07-01T12:00:00+02:00", "America/Los_Angeles", "Asia/Tokyo", "2025-07-01T03:00:00-07:00 (Tuesday, America/Los_Angeles)")]
    public void Converts_between_zones(string dateTime, string to, string? from, string expected) =>
        Assert.Equal(expected, _plugin.ConvertTimeZone(dateTime, to, from));

    [Theory]
    [InlineData("2025-01-31", 1, "months", "2025-02-28T00:00:00+00:00 (Friday)")]
    [InlineData("2024-02-29", 1, "year", "2025-02-28T00:00:00+00:00 (Friday)")]
    [InlineData("2025-03-30", -2, "weeks", "2025-03-16T00:00:00+00:00 (Sunday)")]
    [InlineData("2025-03-30T23:00:00+02:00", 90, "minutes", "2025-03-31T00:30:00+02:00 (Monday)")]
    [InlineData("2025-12-31", 1, "Days", "2026-01-01T00:00:00+00:00 (Thursday)")]
    public void Adds_to_dates(string date, int amount, string unit, string expected) =>
        Assert.Equal(expected, _plugin.AddToDate(date, amount, unit));

    [Fact]
    public void Date_arithmetic_refuses_bad_input_with_the_reason()
    {
        Assert.Contains("Unknown unit 'fortnights'", Assert.Throws<ArgumentException>(() => _plugin.AddToDate("2025-01-01", 1, "fortnights")).Message);
        Assert.Contains("'next tuesday' is not a date", Assert.Throws<ArgumentException>(() => _plugin.AddToDate("next tuesday", 1, "days")).Message);
        Assert.Contains("leaves the range of dates", Assert.Throws<ArgumentException>(() => _plugin.AddToDate("9999-12-01", 1, "years")).Message);
    }

    [Theory]
    [InlineData("2025-01-01", "2030-01-01", "1826 days")]
    [InlineData("2025-03-30", "2025-03-01", "-29 days")]
    [InlineData("2025-03-01T00:00:00Z", "2025-03-02T06:00:00Z", "1 days and 6 hours")]
    public void Counts_days_between_dates(string start, string end, string expected) =>
        Assert.Equal(expected, _plugin.DaysBetween(start, end));
}
