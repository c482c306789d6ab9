using System.Text.Json;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace AirQuality.WebFront.Tests;

/// <summary>
/// A headless Chromium driven through chromedriver, both from the distribution's packages, with the helpers the
/// dashboard tests share: waiting, a phone-sized viewport, axe-core (from the dashboard's npm packages) and screenshots.
/// </summary>
public sealed class HeadlessBrowser : IDisposable
{
    public const string Chromium = "/usr/bin/chromium";
    public const string ChromeDriverPath = "/usr/bin/chromedriver";
    public const string Missing = "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)";

    public static bool Available => File.Exists(Chromium) && File.Exists(ChromeDriverPath);

    private readonly string _profile = Directory.CreateTempSubdirectory("aq-chromium-").FullName;

    public ChromeDriver Driver { get; }

    private HeadlessBrowser(Uri url, int width, int height, bool phone)
    {
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--hide-scrollbars", $"--window-size={width},{height}", $"--user-data-dir={_profile}");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriverPath), Path.GetFileName(ChromeDriverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        if (phone)
            Driver.ExecuteCdpCommand("Emulation.setDeviceMetricsOverride", new Dictionary<string, object?>
            {
                ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 2, ["mobile"] = true,
            });
        Driver.Navigate().GoToUrl(url);
    }

    public static HeadlessBrowser Open(Uri url, int width = 1400, int height = 1000) => new(url, width, height, phone: false);

    /// <summary>A phone: the viewport is exactly <paramref name="width"/> CSS pixels wide, at twice the pixel density.</summary>
    public static HeadlessBrowser Phone(Uri url, int width, int height = 800) => new(url, width, height, phone: true);

    public T Until<T>(Func<IWebDriver, T?> condition, TimeSpan? timeout = null) =>
        new WebDriverWait(Driver, timeout ?? TimeSpan.FromSeconds(20)) { PollingInterval = TimeSpan.FromMilliseconds(100) }
            .Until(d =>
            {
                try
                {
                    return condition(d);
                }
                catch (Exception e) when (e is NoSuchElementException or StaleElementReferenceException or WebDriverException)
                {
                    return default;
                }
            })!;

    public void Go(string hash) => Driver.ExecuteScript("location.hash = arguments[0]", hash);

    public object? Js(string script, params object[] args) => Driver.ExecuteScript(script, args);

    public T Js<T>(string script, params object[] args) =>
        JsonSerializer.Deserialize<T>((string)Driver.ExecuteScript($"return JSON.stringify((function(){{ {script} }}).apply(null, arguments))", args)!)!;

    public IWebElement Find(string css) => Driver.FindElement(By.CssSelector(css));

    public IReadOnlyList<IWebElement> FindAll(string css) => Driver.FindElements(By.CssSelector(css));

    /// <summary>Runs axe-core's WCAG 2.1 A and AA rules on the page; returns one line per violation and node.</summary>
    public IReadOnlyList<string> AccessibilityViolations()
    {
        Driver.ExecuteScript(File.ReadAllText(AxeScript));
        Driver.Manage().Timeouts().AsynchronousJavaScript = TimeSpan.FromSeconds(60);
        var json = (string)Driver.ExecuteAsyncScript("""
            const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
              .then(r => done(JSON.stringify(r.violations.flatMap(v => v.nodes.map(n => `${v.id} (${v.impact}): ${n.target.join(" ")}: ${n.failureSummary}`)))))
              .catch(e => done(JSON.stringify(["axe failed: " + e])));
            """)!;
        return JsonSerializer.Deserialize<List<string>>(json)!;
    }

    /// <summary>
    /// Saves a screenshot as build output (screenshots/NAME.png beside the test assembly) and, when
    /// AQ_SCREENSHOTS_DIR is set (e.g. to docs/screenshots), there too: the README's pictures come from here.
    /// </summary>
    public string Screenshot(string name)
    {
        var shot = Driver.GetScreenshot();
        var local = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(local);
        var path = Path.Combine(local, name + ".png");
        shot.SaveAsFile(path);
        if (Environment.GetEnvironmentVariable("AQ_SCREENSHOTS_DIR") is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
            shot.SaveAsFile(Path.Combine(dir, name + ".png"));
        }
        return path;
    }

    private static string AxeScript
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "src", "WebFront", "Dashboard", "node_modules", "axe-core", "axe.min.js");
                if (File.Exists(candidate)) return candidate;
            }
            throw new FileNotFoundException("axe-core is not installed: the web front's build runs npm ci in src/WebFront/Dashboard");
        }
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        try { Directory.Delete(_profile, recursive: true); } catch (IOException) { }
    }
}
