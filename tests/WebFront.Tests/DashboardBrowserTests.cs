using AirQuality.Grains.Abstractions;
using AirQuality.TestSupport;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using AirQuality.Domain.Readings;
using AirQuality.Grains;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using Xunit.Abstractions;

namespace AirQuality.WebFront.Tests;

/// <summary>The dashboard in a real headless Chromium against the running system: overview, city pages, compare,
/// the US standard, a phone's width, keyboard use, accessibility and live updates.</summary>
[Collection(ApiCollection.Name)]
public sealed partial class DashboardBrowserTests(EmbeddedAppWithRedis app, ITestOutputHelper output)
{
    private static readonly int[] IndiaEdges = [50, 100, 200, 300, 400, 500];
    private static readonly int[] UsEdges = [50, 100, 150, 200, 300, 500];

    private HeadlessBrowser Open(string hash = "#/", int width = 1400, int height = 1000)
    {
        var browser = HeadlessBrowser.Open(new Uri(app.BaseAddress, "/" + hash), width, height);
        browser.Js("localStorage.removeItem('aq-standard')");
        return browser;
    }

    private static void WaitForMap(HeadlessBrowser b) =>
        b.Until(d => b.Js<int>("return [...document.querySelectorAll('#map a.marker')].filter(m => m.dataset.aqi !== '').length") == 56 ? "ok" : null);

    [SkippableFact]
    public void The_overview_shows_a_map_of_the_states_with_numbered_markers_a_legend_and_no_empty_panels()
    {
        TestEnvironment.Require(HeadlessBrowser.Available, HeadlessBrowser.Missing);
        using var b = Open();
        WaitForMap(b);

        // Real geography: the states of India as paths, and a marker per city carrying its AQI as a number.
        Assert.True(b.FindAll("#map path.state").Count >= 30, "the map draws the states");
        var markers = b.Js<List<string[]>>("return [...document.querySelectorAll('#map a.marker')].map(m => [m.dataset.city, m.dataset.aqi, m.querySelector('text').textContent, m.getAttribute('href')])");
        Assert.Equal(56, markers.Count);
        Assert.All(markers, m => Assert.Equal(m[1], m[2]));
        Assert.All(markers, m => Assert.Equal($"#/city/{m[0]}", m[3]));
        var top = b.Find("#rankings tbody tr");
        Assert.Equal(markers.Single(m => m[0] == top.GetAttribute("data-city"))[1], top.FindElement(By.CssSelector(".badge")).Text);
        Assert.Contains("simulated", top.Text);

        // A legend of the six India categories.
        Assert.Equal(["Good", "Satisfactory", "Moderately Polluted", "Poor", "Very Poor", "Severe"],
            b.FindAll("#legend li span:nth-child(2)").Select(e => e.Text));

        // Nothing hidden shows (the `hidden` attribute wins over the stylesheet) and no panel is empty.
        Assert.True(b.Js<bool>("return [...document.querySelectorAll('[hidden]')].every(e => getComputedStyle(e).display === 'none')"));
        Assert.True(b.Js<bool>("return [...document.querySelectorAll('.card')].every(c => c.innerText.trim().length > 20)"));
        Assert.True(b.Find("#warming").GetAttribute("hidden") is not null, "no warming-up note once every city has reported");

        // The rankings show whole rows (no box cutting one in half) and pollutants by their display names.
        Assert.True(b.Js<bool>("const c = document.querySelector('.rank-card').getBoundingClientRect(); return [...document.querySelectorAll('#rankings tr')].every(r => r.getBoundingClientRect().bottom <= c.bottom + 0.5) && [...document.querySelectorAll('.card')].every(x => x.scrollHeight <= x.clientHeight + 1)"));
        var dominant = b.FindAll("#rankings tbody td.wide-only").Select(e => e.Text).ToList();
        Assert.NotEmpty(dominant);
        Assert.DoesNotContain("pm25", dominant);
        Assert.Contains("PM2.5", dominant);
        // The rankings' badges use the map's colours.
        var markerFill = b.Js<string>($"return getComputedStyle(document.querySelector(\"#map a.marker[data-city='{top.GetAttribute("data-city")}'] circle\")).fill");
        Assert.Equal(markerFill, b.Js<string>("return getComputedStyle(document.querySelector('#rankings tbody tr .badge')).backgroundColor"));
        b.Screenshot("overview");

        b.Find("#rank-more").Click();
        Assert.Equal(56, b.FindAll("#rankings tbody tr").Count);
    }

    [SkippableFact]
    public void Adjacent_categories_are_told_apart_on_the_map_by_hue_or_lightness()
    {
        TestEnvironment.Require(HeadlessBrowser.Available, HeadlessBrowser.Missing);
        using var b = Open();
        b.Until(d => b.FindAll("#legend .swatch").Count == 6 ? "ok" : null);
        var colours = b.Js<List<string>>("return [...document.querySelectorAll('#legend .swatch')].map(s => getComputedStyle(s).backgroundColor)");
        for (var i = 1; i < colours.Count; i++)
        {
            var (a, c) = (Rgb(colours[i - 1]), Rgb(colours[i]));
            var hue = Math.Abs(Hue(a) - Hue(c));
            hue = Math.Min(hue, 360 - hue);
            var ratio = Contrast(a, c);
            Assert.True(hue >= 30 || ratio >= 1.5, $"{colours[i - 1]} and {colours[i]}: hue {hue:0}° apart, contrast {ratio:0.00}");
        }
    }

    [SkippableFact]
    public void A_city_opens_at_its_own_url_at_the_top_of_the_page_and_back_returns_to_the_overview()
    {
        TestEnvironment.Require(HeadlessBrowser.Available, HeadlessBrowser.Missing);
        using var b = Open();
        WaitForMap(b);
        b.Js("window.scrollTo(0, 400)");

        // The table lists the worst cities first and only the top ones until "Show all" is pressed; Delhi's place in
        // it depends on the readings of the moment.
        const string delhi = "#rankings tbody tr a[href='#/city/delhi']";
        b.Until(d => b.FindAll("#rankings tbody tr").Count > 0 ? "ok" : null);
        var more = b.Find("#rank-more");
        if (b.FindAll(delhi).Count == 0 && more.Displayed) more.Click();
        b.Until(d => b.Find(delhi)).Click();
        b.Until(d => b.Find(".view-title").Text.StartsWith("Delhi", StringComparison.Ordinal) ? "ok" : null);
        Assert.EndsWith("#/city/delhi", b.Driver.Url);
        Assert.Equal(0, b.Js<double>("return window.scrollY"));
        Assert.True(b.Js<bool>("const r = document.querySelector('.view-title').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight"));
        Assert.Equal("view-title", b.Js<string>("return document.activeElement.className"));

        b.Driver.Navigate().Back();
        WaitForMap(b);
        Assert.Equal("overview", b.Js<string>("return document.getElementById('view').dataset.view"));

        // The address alone opens the city, in a fresh page.
        using var direct = Open("#/city/mumbai");
        direct.Until(d => direct.Find(".view-title").Text.StartsWith("Mumbai", StringComparison.Ordinal) ? "ok" : null);
        // An unknown city says so, with suggestions.
        direct.Go("#/city/dehli");
        direct.Until(d => direct.Find(".view-title").Text == "Unknown city" ? "ok" : null);
        Assert.Contains("Delhi", direct.Find("#view").Text);
    }

    [SkippableFact]
    public void The_keyboard_reaches_a_city_from_the_rankings_and_from_the_map()
    {
        TestEnvironment.Require(HeadlessBrowser.Available, HeadlessBrowser.Missing);
        using var b = Open();
        WaitForMap(b);

        // Tab from the top of the page: the skip link, the brand, the standard, the menu, the search, the map's
        // markers; a ranking link is reached by Tab alone.
        var body = b.Find("body");
        string? reached = null;
        for (var i = 0; i < 120 && reached is null; i++)
        {
            body = b.Driver.SwitchTo().ActiveElement();
            body.SendKeys(Keys.Tab);
            reached = b.Js<string?>("const a = document.activeElement; return a.closest('#rankings') ? a.getAttribute('href') : null");
        }
        Assert.NotNull(reached);
        b.Driver.SwitchTo().ActiveElement().SendKeys(Keys.Enter);
        b.Until(d => d.Url.EndsWith(reached!, StringComparison.Ordinal) ? "ok" : null);
        b.Driver.Navigate().Back();
        WaitForMap(b);

        // A marker takes focus and opens its city with Enter.
        b.Js("document.querySelector(\"#map a.marker[data-city='kolkata']\").focus()");
        Assert.Equal("kolkata", b.Js<string>("return document.activeElement.dataset.city"));
        b.Driver.SwitchTo().ActiveElement().SendKeys(Keys.Enter);
        b.Until(d => b.Find(".view-title").Text.StartsWith("Kolkata", StringComparison.Ordinal) ? "ok" : null);
    }

    [SkippableFact]
    public void Search_by_name_or_alias_zooms_the_map_to_the_city()
    {
        TestEnvironment.Require(HeadlessBrowser.Available, HeadlessBrowser.Missing);
        using var b = Open();
        WaitForMap(b);
        Assert.Equal("1.00", b.Find("#map").GetAttribute("data-zoom"));

        b.Find("#search-input").SendKeys("Bombay" + Keys.Enter);
        try
        {
            b.Until(d => double.Parse(b.Find("#map").GetAttribute("data-zoom")!, CultureInfo.InvariantCulture) >= 4.9 ? "ok" : null);
        }
        catch (WebDriverTimeoutException)
        {
            Assert.Fail($"no zoom to Mumbai: zoom {b.Find("#map").GetAttribute("data-zoom")}, note '{b.Find("#search-note").Text}', input '{b.Find("#search-input").GetAttribute("value")}'");
        }
        Assert.Contains("Mumbai", b.Find("#search-note").Text);
        Assert.Contains("selected", b.Find("#map a.marker[data-city='mumbai']").GetAttribute("class"));
        // Mumbai is now near the middle of the map.
        Assert.True(b.Js<bool>("const m = document.querySelector(\"#map a.marker[data-city='mumbai']\").getBoundingClientRect(), s = document.getElementById('map').getBoundingClientRect(); return Math.abs((m.left + m.right) / 2 - (s.left + s.right) / 2) < s.width * 0.1"));

        b.Find(".zoom button[data-zoom='reset']").Click();
        b.Until(d => b.Find("#map").GetAttribute("data-zoom") == "1.00" ? "ok" : null);
        b.Find(".zoom button[data-zoom='in']").Click();
        b.Until(d => b.Find("#map").GetAttribute("data-zoom") == "2.00" ? "ok" : null);

        b.Find("#search-input").Clear();
        b.Find("#search-input").SendKeys("Dehli" + Keys.Enter);
        b.Until(d => b.Find("#search-note").Text.Contains("Did you mean", StringComparison.Ordinal) ? "ok" : null);
        Assert.Contains("Delhi", b.Find("#search-note").Text);
    }

    [SkippableFact]
    public async Task A_city_page_shows_headline_advice_outlook_pollutant_cards_and_a_chart_on_category_edges()
    {
        TestEnvironment.Require(HeadlessBrowser.Available, HeadlessBrowser.Missing);
        using var b = Open("#/city/delhi", height: 1200);
        b.Until(d => b.FindAll("#chart svg path.history").Count == 1 ? "ok" : null);
        var current = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/aqi/current/delhi", EmbeddedApp.Json);

        Assert.Equal(current.GetProperty("aqi").GetInt32().ToString(CultureInfo.InvariantCulture), b.Find(".headline .num").Text);
        Assert.Equal(current.GetProperty("category").GetString(), b.Find(".headline .cat").Text.Split('\n')[0].Replace(" provisional", "", StringComparison.Ordinal));
        Assert.True(b.Find(".headline .advice").Text.Length > 10, "health advice");
        Assert.Contains("Source:", b.Find(".headline").Text);
        Assert.Contains("Main pollutant PM2.5", b.Find(".headline .meta").Text);

        // Outlook: today, tomorrow, the day after, each with a category and a probability.
        var days = b.FindAll(".outlook .day");
        Assert.Equal(["Today", "Tomorrow", "Day after"], days.Select(d => d.FindElement(By.TagName("h3")).Text));
        foreach (var d in days.Where(d => d.GetAttribute("data-category") is not null))
            Assert.Matches(@"^\d{1,3} % likely$", d.FindElement(By.CssSelector(".prob")).Text);
        Assert.Contains(days, d => d.GetAttribute("data-category") is not null);

        // Pollutant cards with display names and one unit style.
        Assert.Equal(["PM2.5", "PM10", "NO₂", "SO₂", "CO", "O₃", "NH₃"], b.FindAll(".pollutant h3").Select(e => e.Text));
        var text = b.Find("body").Text;
        Assert.DoesNotContain("ug/m3", text);
        Assert.Contains("µg/m³", text);
        Assert.Contains("mg/m³", b.Find(".pollutant[data-pollutant='co']").Text);

        // The chart: value ticks on the category edges, hours on the time axis, a labelled "now" line, the band.
        AssertTicksOn(b, IndiaEdges);
        var hours = b.FindAll("#chart .xtick text:not(.date)").Select(e => e.Text).ToList();
        Assert.True(hours.Count >= 6);
        Assert.All(hours, h => Assert.Matches(@"^\d\d:00$", h));
        Assert.NotEmpty(b.FindAll("#chart .xtick text.date"));
        Assert.Matches(@"^now \d\d:\d\d$", b.Find("#chart .now-label").Text);
        Assert.StartsWith("M", b.Find("#chart path.band").GetAttribute("d"));
        Assert.Contains("Forecast by", b.Find("#chart-note").Text);
        Assert.Contains("India AQI", b.Find("#chart-note").Text);

        // The models explain themselves even before any live skill exists.
        Assert.Contains("serves", b.Find("#models").Text);
        Assert.Contains("Live skill: not yet measured", b.Find("#models").Text);
        Assert.Contains("Retraining history", b.Find("#models").Text);
        b.Js("window.scrollTo(0, 0)");
        b.Screenshot("city-page");
    }

    [SkippableFact]
    public async Task With_the_US_standard_the_headline_the_chart_and_the_legend_are_in_US_categories()
    {
        TestEnvironment.Require(HeadlessBrowser.Available, HeadlessBrowser.Missing);
        using var b = Open("#/city/delhi");
        b.Until(d => b.FindAll("#chart svg path.history").Count == 1 ? "ok" : null);
        b.Js("const s = document.getElementById('standard'); s.value = 'us'; s.dispatchEvent(new Event('change'))");
        b.Until(d => b.Find(".headline .unit").Text == "US AQI" ? "ok" : null);
        b.Until(d => b.FindAll("#chart svg path.history").Count == 1 ? "ok" : null);

        var us = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/aqi/current/delhi?standard=us", EmbeddedApp.Json);
        Assert.Equal(us.GetProperty("aqi").GetInt32().ToString(CultureInfo.InvariantCulture), b.Find(".headline .num").Text);
        Assert.StartsWith(us.GetProperty("category").GetString()!, b.Find(".headline .cat").Text, StringComparison.Ordinal);
        AssertTicksOn(b, UsEdges);
        Assert.Contains("US AQI in US EPA categories", b.Find("#chart-note").Text);
        Assert.Contains("PM2.5 sub-index", b.Find("#chart-note").Text);
        Assert.All(b.FindAll(".outlook .day[data-category]"), d =>
            Assert.Contains(d.GetAttribute("data-category"), new[] { "Good", "Moderate", "Unhealthy for Sensitive Groups", "Unhealthy", "Very Unhealthy", "Hazardous" }));

        b.Go("#/");
        WaitForMap(b);
        Assert.Contains("Unhealthy for Sensitive Groups", b.Find("#legend").Text);
        var row = b.Find("#rankings tbody tr");
        var rankings = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/cities/rankings?standard=us&limit=1", EmbeddedApp.Json);
        Assert.Equal(rankings.GetProperty("rankings")[0].GetProperty("aqi").GetInt32().ToString(CultureInfo.InvariantCulture), row.FindElement(By.CssSelector(".badge")).Text);
    }

    [SkippableFact]
    public void On_a_360_px_phone_nothing_scrolls_sideways_and_the_chart_text_stays_readable()
    {
        TestEnvironment.Require(HeadlessBrowser.Available, HeadlessBrowser.Missing);
        foreach (var width in new[] { 360, 390 })
        {
            using var b = HeadlessBrowser.Phone(new Uri(app.BaseAddress, "/#/"), width);
            WaitForMap(b);
            AssertNoSidewaysScroll(b, width, $"overview at {width} px");
            Assert.True(b.Find("header").Size.Height <= 56, $"the header stays one row at {width} px ({b.Find("header").Size.Height} px)");

            b.Go("#/city/delhi");
            b.Until(d => b.FindAll("#chart svg path.history").Count == 1 && b.FindAll(".pollutant").Count == 7 ? "ok" : null);
            AssertNoSidewaysScroll(b, width, $"city page at {width} px");
            var smallest = b.Js<double>("return Math.min(...[...document.querySelectorAll('#chart svg text')].map(t => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getBoundingClientRect().width / t.ownerSVGElement.viewBox.baseVal.width))");
            Assert.True(smallest >= 11, $"chart text is {smallest:0.0} px at {width} px");
            if (width == 390) b.Screenshot("city-page-phone");

            b.Go("#/compare");
            b.Until(d => b.FindAll("#comparison tbody tr").Count == 5 ? "ok" : null);
            AssertNoSidewaysScroll(b, width, $"compare at {width} px");
        }
    }

    [SkippableFact]
    public void Compare_shows_the_valid_cities_and_suggests_for_the_misspelt_ones_without_keeping_stale_rows()
    {
        TestEnvironment.Require(HeadlessBrowser.Available, HeadlessBrowser.Missing);
        using var b = Open("#/compare");
        b.Until(d => b.FindAll("#comparison tbody tr").Count == 5 ? "ok" : null);

        var input = b.Find("#compare-cities");
        input.Clear();
        input.SendKeys("Delhi, Dehli" + Keys.Enter);
        b.Until(d => b.FindAll("#comparison tbody tr").Count == 1 ? "ok" : null);
        Assert.Equal("delhi", b.Find("#comparison tbody tr").GetAttribute("data-city"));
        var error = b.Find("#compare-errors .error[data-city='Dehli']");
        Assert.Contains("Dehli", error.Text);
        Assert.Contains("#/compare?cities=", b.Driver.Url);

        // The suggestion is one click away.
        error.FindElement(By.CssSelector("button[data-with='Delhi']")).Click();
        b.Until(d => b.FindAll("#compare-errors .error").Count == 0 ? "ok" : null);
        Assert.Equal("Delhi, Delhi", b.Find("#compare-cities").GetAttribute("value"));

        // A request that fails leaves no old rows behind.
        input = b.Find("#compare-cities");
        input.Clear();
        input.SendKeys(" , " + Keys.Enter);
        b.Until(d => b.FindAll("#compare-errors .error").Count == 1 ? "ok" : null);
        Assert.Empty(b.FindAll("#comparison tbody tr"));
    }

    [SkippableFact]
    public void Overview_city_page_and_compare_pass_the_WCAG_AA_checks_of_axe_core()
    {
        TestEnvironment.Require(HeadlessBrowser.Available, HeadlessBrowser.Missing);
        using var b = Open();
        WaitForMap(b);
        var found = new List<string>();
        found.AddRange(b.AccessibilityViolations().Select(v => "overview: " + v));
        b.Go("#/city/delhi");
        b.Until(d => b.FindAll("#chart svg path.history").Count == 1 ? "ok" : null);
        found.AddRange(b.AccessibilityViolations().Select(v => "city: " + v));
        b.Go("#/compare?cities=Delhi,Dehli");
        b.Until(d => b.FindAll("#compare-errors .error").Count == 1 ? "ok" : null);
        found.AddRange(b.AccessibilityViolations().Select(v => "compare: " + v));
        Assert.True(found.Count == 0, string.Join("\n", found));
    }

    [SkippableFact]
    public void The_overview_is_ready_within_a_second_on_loopback()
    {
        TestEnvironment.Require(HeadlessBrowser.Available, HeadlessBrowser.Missing);
        using var b = Open();
        WaitForMap(b);
        var first = b.Js<double>("return performance.getEntriesByName('overview-ready')[0].startTime");
        // Once more, as a returning visitor (files revalidated by ETag).
        b.Js("location.reload()");
        b.Until(d => b.Js<double?>("const m = performance.getEntriesByName('overview-ready')[0]; return m ? m.startTime : null") is not null ? "ok" : null);
        var ready = b.Js<double>("return performance.getEntriesByName('overview-ready')[0].startTime");
        var transferred = b.Js<double>("return performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation')).reduce((a, e) => a + (e.encodedBodySize || 0), 0)");
        output.WriteLine($"overview ready {first:0} ms after navigation start on first load, {ready:0} ms on reload ({transferred / 1024:0} KiB of bodies)");
        // The figures are printed for the record; the bound only catches a page that got badly slower.
        Assert.True(first < 5000 && ready < 5000, $"overview ready after {first:0} ms, {ready:0} ms on reload");
    }

    [SkippableFact]
    public async Task New_readings_reach_an_open_dashboard_without_a_reload()
    {
        TestEnvironment.Require(HeadlessBrowser.Available, HeadlessBrowser.Missing);
        using var b = Open();
        WaitForMap(b);
        b.Until(d => b.Find("#live .text").Text == "live" ? "live" : null);
        Assert.NotEqual("gangtok", b.Find("#rankings tbody tr").GetAttribute("data-city"));

        // A day of severe ground readings for one of the cleanest cities: it must climb to the top while the page is open.
        // (Values vary by hour: one value repeated for hours would be stuck and left out of the AQI.)
        var grains = app.App.Services.GetRequiredService<IGrainFactory>();
        var city = grains.GetGrain<ICityGrain>(GrainKeys.City("gangtok"));
        var now = (await city.GetCurrent())!.Timestamp;
        var day = Enumerable.Range(0, 24).Select(i => new SourceReading("gangtok", now.AddHours(-i), SourceNames.Cpcb,
            new Dictionary<Pollutant, double> { [Pollutant.Pm25] = 950 + i, [Pollutant.Pm10] = 1400 + i }, null)).ToList();
        Assert.Equal(24, await city.Ingest(day));

        var top = b.Until(d => d.FindElement(By.CssSelector("#rankings tbody tr")).GetAttribute("data-city") is "gangtok" ? "gangtok" : null, TimeSpan.FromSeconds(20));
        Assert.Equal("gangtok", top);
        Assert.Equal("500", b.Until(d => b.Find("#map a.marker[data-city='gangtok']").GetAttribute("data-aqi") is "500" ? "500" : null));
    }

    private static void AssertTicksOn(HeadlessBrowser b, int[] edges)
    {
        var ticks = b.FindAll("#chart .ytick").Select(t => double.Parse(t.GetAttribute("data-value")!, CultureInfo.InvariantCulture)).ToList();
        Assert.True(ticks.Count >= 3, "value ticks");
        Assert.Equal(0, ticks[0]);
        // Every tick but the top one is a category edge, and the edges below the top are all there.
        var top = ticks[^1];
        Assert.All(ticks.Skip(1).SkipLast(1), t => Assert.Contains((int)t, edges));
        Assert.Equal(edges.Where(e => e < top).Select(e => (double)e), ticks.Skip(1).SkipLast(1));
    }

    private static void AssertNoSidewaysScroll(HeadlessBrowser b, int width, string where)
    {
        // A phone widens its layout viewport to fit content that overflows, so both are compared with the device width.
        var (scroll, inner) = (b.Js<int>("return document.documentElement.scrollWidth"), b.Js<int>("return innerWidth"));
        // Elements and text (which can overflow a box that itself fits) reaching past the right edge.
        var wide = b.Js<List<string>>("""
            const w = arguments[0] + 0.5, out = [];
            for (const e of document.querySelectorAll('body *')) if (e.getBoundingClientRect().right > w && !e.closest('.sr-only')) out.push(`${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`);
            const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            for (let n; (n = walk.nextNode());) {
              if (n.parentElement.closest('.sr-only') || !n.textContent.trim()) continue;
              const r = document.createRange(); r.selectNodeContents(n);
              const right = r.getBoundingClientRect().right;
              if (right > w) out.push(`text '${n.textContent.trim().slice(0, 30)}' in ${n.parentElement.tagName}.${n.parentElement.className} ${Math.round(right)}`);
            }
            if (document.documentElement.scrollWidth > w) for (const e of document.querySelectorAll('body, body *'))
              if (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible' && e.clientWidth > 0) out.push(`${e.tagName}.${e.className} scrolls ${e.scrollWidth} in ${e.clientWidth}`);
            return out.slice(0, 8);
            """, width);
        Assert.True(scroll <= width && inner == width && wide.Count == 0, $"{where}: page {scroll} px wide, viewport {inner} px on a {width} px phone; too wide: {string.Join(", ", wide)}");
    }

    private static (double R, double G, double B) Rgb(string css)
    {
        var m = RgbPattern().Match(css);
        return (double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture));
    }

    private static double Hue((double R, double G, double B) c)
    {
        var (r, g, bl) = (c.R / 255, c.G / 255, c.B / 255);
        var max = Math.Max(r, Math.Max(g, bl));
        var min = Math.Min(r, Math.Min(g, bl));
        if (max == min) return 0;
        var h = max == r ? (g - bl) / (max - min) % 6 : max == g ? (bl - r) / (max - min) + 2 : (r - g) / (max - min) + 4;
        return (h * 60 + 360) % 360;
    }

    private static double Contrast((double R, double G, double B) a, (double R, double G, double B) b)
    {
        static double Channel(double v) => (v /= 255) <= 0.03928 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4);
        static double L((double R, double G, double B) c) => 0.2126 * Channel(c.R) + 0.7152 * Channel(c.G) + 0.0722 * Channel(c.B);
        var (x, y) = (L(a), L(b));
        return (Math.Max(x, y) + 0.05) / (Math.Min(x, y) + 0.05);
    }

    [GeneratedRegex(@"rgba?\((\d+),\s*(\d+),\s*(\d+)")]
    private static partial Regex RgbPattern();
}
