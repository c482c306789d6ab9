using AirQuality.Domain.Readings;
using AirQuality.Grains;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace AirQuality.WebFront.Tests;

/// <summary>The dashboard in a real headless Chromium: it renders the rankings, the map, a city and updates live.</summary>
[Collection(ApiCollection.Name)]
public sealed class DashboardBrowserTests(EmbeddedAppWithRedis app)
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriver = "/usr/bin/chromedriver";

    [SkippableFact]
    public void The_dashboard_shows_rankings_map_and_a_city_with_history_forecast_and_models()
    {
        TestEnvironment.Require(File.Exists(Chromium) && File.Exists(ChromeDriver), "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)");
        using var browser = Browser.Open(app.BaseAddress);

        browser.Until(d => d.FindElements(By.CssSelector("#rankings tbody tr")).Count == 56);
        Assert.Equal(56, browser.Driver.FindElements(By.CssSelector("#map circle.city")).Count);
        Assert.Equal("live", browser.Until(d => d.FindElement(By.Id("live")).Text is "live" ? "live" : null));
        var first = browser.Driver.FindElement(By.CssSelector("#rankings tbody tr")).Text;
        Assert.Contains("simulated", first);

        browser.Driver.FindElement(By.CssSelector("#rankings tbody tr[data-city='delhi']")).Click();
        browser.Until(d => d.FindElement(By.Id("city-name")).Text.StartsWith("Delhi", StringComparison.Ordinal));
        var history = browser.Until(d => d.FindElement(By.CssSelector("#chart path.history")).GetAttribute("d") is { Length: > 20 } h ? h : null);
        Assert.StartsWith("M", history);
        Assert.StartsWith("M", browser.Driver.FindElement(By.CssSelector("#chart path.band")).GetAttribute("d"));
        Assert.Contains("Forecast by", browser.Driver.FindElement(By.Id("chart-note")).Text);
        browser.Until(d => d.FindElements(By.CssSelector("#pollutants tbody tr")).Count >= 7);
        Assert.Contains("serving", browser.Until(d => d.FindElement(By.Id("models")).Text is { Length: > 0 } t ? t : null));
        browser.Until(d => d.FindElements(By.CssSelector("#comparison tbody tr")).Count == 5);
    }

    [SkippableFact]
    public async Task New_readings_reach_an_open_dashboard_without_a_reload()
    {
        TestEnvironment.Require(File.Exists(Chromium) && File.Exists(ChromeDriver), "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)");
        using var browser = Browser.Open(app.BaseAddress);
        browser.Until(d => d.FindElements(By.CssSelector("#rankings tbody tr")).Count == 56);
        browser.Until(d => d.FindElement(By.Id("live")).Text == "live" ? "live" : null);
        Assert.NotEqual("gangtok", browser.Driver.FindElement(By.CssSelector("#rankings tbody tr")).GetAttribute("data-city"));

        // A day of severe ground readings for one of the cleanest cities: it must climb to the top while the page is open.
        var grains = app.App.Services.GetRequiredService<IGrainFactory>();
        var city = grains.GetGrain<ICityGrain>(GrainKeys.City("gangtok"));
        var now = (await city.GetCurrent())!.Timestamp;
        var day = Enumerable.Range(0, 24).Select(i => new SourceReading("gangtok", now.AddHours(-i), SourceNames.Cpcb,
            new Dictionary<Pollutant, double> { [Pollutant.Pm25] = 950, [Pollutant.Pm10] = 1400 }, null)).ToList();
        Assert.Equal(24, await city.Ingest(day));

        var top = browser.Until(d => d.FindElement(By.CssSelector("#rankings tbody tr")).GetAttribute("data-city") is "gangtok" ? "gangtok" : null, TimeSpan.FromSeconds(20));
        Assert.Equal("gangtok", top);
    }

    /// <summary>A headless Chromium driven through chromedriver, both from the distribution's packages.</summary>
    private sealed class Browser : IDisposable
    {
        private readonly string _profile = Directory.CreateTempSubdirectory("aq-chromium-").FullName;

        public ChromeDriver Driver { get; }

        private Browser(Uri url)
        {
            var options = new ChromeOptions { BinaryLocation = Chromium };
            options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,1800", $"--user-data-dir={_profile}");
            var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver), Path.GetFileName(ChromeDriver));
            service.SuppressInitialDiagnosticInformation = true;
            service.HideCommandPromptWindow = true;
            Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
            Driver.Navigate().GoToUrl(url);
        }

        public static Browser Open(Uri url) => new(url);

        public T Until<T>(Func<IWebDriver, T?> condition, TimeSpan? timeout = null) =>
            new WebDriverWait(Driver, timeout ?? TimeSpan.FromSeconds(20)) { PollingInterval = TimeSpan.FromMilliseconds(100) }
                .Until(d =>
                {
                    try
                    {
                        return condition(d);
                    }
                    catch (Exception e) when (e is NoSuchElementException or StaleElementReferenceException)
                    {
                        return default;
                    }
                })!;

        public void Dispose()
        {
            Driver.Quit();
            Driver.Dispose();
            try { Directory.Delete(_profile, recursive: true); } catch (IOException) { }
        }
    }
}
