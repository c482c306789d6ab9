namespace AirQuality.WebFront.Contracts;

/// <summary>How a paged answer was cut (as OpenAQ does).</summary>
/// <param name="Found">Rows matching the request in all pages.</param>
/// <param name="Page">This page, from 1.</param>
/// <param name="Limit">Most rows a page holds.</param>
public sealed record PageMetaDto(int Found, int Page, int Limit);
