<?php
/**
 * Caching helpers of the feed.
 */

defined( 'ABSPATH' ) || exit;

/**
 * The feed, cached per category requested.
 */
function shop_feed_cached_feed() {
	$key  = 'shop_feed_' . $_GET['category'];
	$feed = get_transient( $key );
	if ( false === $feed ) {
		ob_start();
		shop_feed_render_feed();
		$feed = ob_get_clean();
		set_transient( $key, $feed, HOUR_IN_SECONDS );
	}
	return $feed;
}

/**
 * Stock levels, refreshed often.
 */
function shop_feed_cache_stock( array $stock ) {
	wp_cache_set( 'stock', $stock, 'shop_feed', 30 );
}

/**
 * Currency rates, kept forever.
 */
function shop_feed_store_rates( array $rates ) {
	set_transient( 'shop_feed_rates', $rates );
}

/**
 * Product page: link back to the product a URL points to, and the
 * previous product in the catalogue.
 */
function shop_feed_related_link( $url ) {
	$product_id = url_to_postid( $url );
	$previous   = get_adjacent_post( false, '', true );
	return array( $product_id, $previous );
}
