using System.ComponentModel;
using System.Globalization;
using Microsoft.SemanticKernel;

namespace AgentHost.Plugins;

/// <summary>
/// The <c>datetime</c> plugin: the current time (from <see cref="TimeProvider"/>) in UTC or an IANA time zone, time
/// zone conversion and date arithmetic. Times are ISO 8601 with offsets.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "SK plugin functions are the instance methods of the plugin object the kernel imports.")]
internal sealed class DateTimePlugin(TimeProvider timeProvider)
{
    /// <summary>The plugin's name as agents list it.</summary>
    public const string PluginName = "datetime";

    private static readonly string[] Units = ["years", "months", "weeks", "days", "hours", "minutes", "seconds"];

    /// <summary>The current time.</summary>
    [KernelFunction("now")]
    [Description("The current date and time, in UTC or in the given IANA time zone, as ISO 8601 with the offset and the day of the week.")]
    public string Now(
        [Description("An IANA time zone such as 'Europe/Berlin' or 'America/New_York'; UTC when empty.")] string? timeZone = null)
    {
        var now = timeProvider.GetUtcNow();
        if (string.IsNullOrWhiteSpace(timeZone) || timeZone.Trim().Equals("UTC", StringComparison.OrdinalIgnoreCase))
        {
            return Describe(now, "UTC");
        }

        var zone = FindZone(timeZone);
        return Describe(TimeZoneInfo.ConvertTime(now, zone), zone.Id);
    }

    /// <summary>Converts a time to another time zone.</summary>
    [KernelFunction("convert_time_zone")]
    [Description("Converts a date and time to another IANA time zone. Returns ISO 8601 with the offset.")]
    public string ConvertTimeZone(
        [Description("The date and time, ISO 8601 (e.g. '2025-03-01T09:30'); without an offset it is read in fromTimeZone.")] string dateTime,
        [Description("The IANA time zone to convert to, e.g. 'Asia/Tokyo'.")] string toTimeZone,
        [Description("The IANA time zone dateTime is in when it has no offset; UTC when empty.")] string? fromTimeZone = null)
    {
        var target = FindZone(toTimeZone);
        var source = string.IsNullOrWhiteSpace(fromTimeZone) ? TimeZoneInfo.Utc : FindZone(fromTimeZone);
        var instant = ParseDateTime(dateTime, source, nameof(dateTime));
        return Describe(TimeZoneInfo.ConvertTime(instant, target), target.Id);
    }

    /// <summary>Adds an amount of a unit to a date.</summary>
    [KernelFunction("add_to_date")]
    [Description("Adds (or, with a negative amount, subtracts) years, months, weeks, days, hours, minutes or seconds to a date and time. Returns ISO 8601.")]
    public string AddToDate(
        [Description("The date or date and time, ISO 8601, e.g. '2025-01-31' or '2025-01-31T10:00:00+01:00'.")] string date,
        [Description("How many units to add; negative to subtract.")] int amount,
        [Description("One of: years, months, weeks, days, hours, minutes, seconds.")] string unit)
    {
        var start = ParseDateTime(date, TimeZoneInfo.Utc, nameof(date));
        var u = (unit ?? string.Empty).Trim().ToLowerInvariant();
        u = u.EndsWith('s') ? u : u + "s";
        try
        {
            var result = u switch
            {
                "years" => start.AddYears(amount),
                "months" => start.AddMonths(amount),
                "weeks" => start.AddDays(7.0 * amount),
                "days" => start.AddDays(amount),
                "hours" => start.AddHours(amount),
                "minutes" => start.AddMinutes(amount),
                "seconds" => start.AddSeconds(amount),
                _ => throw new ArgumentException($"Unknown unit '{unit}'. Use one of: {string.Join(", ", Units)}.", nameof(unit)),
            };
            return Describe(result, null);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new ArgumentException($"Adding {amount} {u} to {date} leaves the range of dates (years 1 to 9999).", nameof(amount));
        }
    }

    /// <summary>The difference between two dates.</summary>
    [KernelFunction("days_between")]
    [Description("The number of days from start to end (negative when end is earlier), with the remainder in hours when the times differ.")]
    public string DaysBetween(
        [Description("The start date or date and time, ISO 8601.")] string start,
        [Description("The end date or date and time, ISO 8601.")] string end)
    {
        var span = ParseDateTime(end, TimeZoneInfo.Utc, nameof(end)) - ParseDateTime(start, TimeZoneInfo.Utc, nameof(start));
        var days = (long)Math.Truncate(span.TotalDays);
        var hours = span - TimeSpan.FromDays(days);
        return hours == TimeSpan.Zero
            ? days.ToString(CultureInfo.InvariantCulture) + " days"
            : string.Create(CultureInfo.InvariantCulture, $"{days} days and {hours.TotalHours:0.##} hours");
    }

    private static TimeZoneInfo FindZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id.Trim());
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            throw new ArgumentException($"Unknown time zone '{id}'. Use an IANA name such as 'Europe/London', 'America/Chicago' or 'UTC'.", nameof(id));
        }
    }

    private static DateTimeOffset ParseDateTime(string text, TimeZoneInfo assumedZone, string parameter)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.AssumeUniversal, out var parsed)
            && HasOffset(text))
        {
            return parsed;
        }

        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var local))
        {
            var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
            return new DateTimeOffset(unspecified, assumedZone.GetUtcOffset(unspecified));
        }

        throw new ArgumentException($"'{text}' is not a date. Use ISO 8601, e.g. '2025-03-01' or '2025-03-01T09:30:00+01:00'.", parameter);
    }

    private static bool HasOffset(string text)
    {
        var t = text.Trim();
        var time = t.IndexOf('T', StringComparison.OrdinalIgnoreCase);
        return t.EndsWith('Z') || t.EndsWith('z') || (time > 0 && t.IndexOfAny(['+', '-'], time) > 0);
    }

    private static string Describe(DateTimeOffset value, string? zone)
    {
        var iso = value.Offset == TimeSpan.Zero && zone == "UTC"
            ? value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : value.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        var day = value.DayOfWeek.ToString();
        return zone is null ? $"{iso} ({day})" : $"{iso} ({day}, {zone})";
    }
}
