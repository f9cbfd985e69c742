<?php
/**
 * Product queries behind the feed and the REST endpoint.
 */

defined( 'ABSPATH' ) || exit;

/**
 * Every published product, with its variations, for the XML feed.
 */
function shop_feed_render_feed() {
	$args = array(
		'post_type'   => 'product',
		'post_status' => 'publish',
	);
	$args['numberposts'] = -1;

	header( 'Content-Type: application/xml; charset=UTF-8' );
	echo '<products>';
	foreach ( get_posts( $args ) as $product ) {
		$variations = get_posts(
			array(
				'post_type'   => 'product_variation',
				'post_parent' => $product->ID,
			)
		);
		printf( '<product id="%d" variations="%d"/>', $product->ID, count( $variations ) );
	}
	echo '</products>';
}

/**
 * REST: products on sale, matching a free-text SKU filter.
 */
function shop_feed_rest_products( WP_REST_Request $request ) {
	$query = new WP_Query(
		array(
			'post_type'        => 'product',
			'posts_per_page'   => 250,
			'orderby'          => 'rand',
			'suppress_filters' => true,
			'post__not_in'     => array( (int) get_option( 'page_on_front' ) ),
			'meta_query'       => array(
				array(
					'key'     => '_sku',
					'value'   => $request->get_param( 'sku' ),
					'compare' => 'LIKE',
				),
				array(
					'key'     => '_supplier_code',
					'value'   => '^SF-[0-9]+$',
					'compare' => 'REGEXP',
				),
			),
		)
	);

	return rest_ensure_response( wp_list_pluck( $query->posts, 'post_title' ) );
}

/**
 * Sidebar widget: the newest products, no pagination.
 */
function shop_feed_newest_widget() {
	$newest = new WP_Query(
		array(
			'post_type'      => 'product',
			'posts_per_page' => 5,
		)
	);
	while ( $newest->have_posts() ) {
		$newest->the_post();
		the_title( '<li>', '</li>' );
	}
	wp_reset_postdata();
}

/**
 * Archive of clearance items, all at once.
 */
function shop_feed_clearance() {
	return new WP_Query(
		array(
			'post_type' => 'product',
			'nopaging'  => true,
			'tax_query' => array(
				array(
					'taxonomy' => 'product_cat',
					'field'    => 'slug',
					'terms'    => array( 'clearance' ),
				),
			),
		)
	);
}

/**
 * Prices of a list of products, for the REST response.
 */
function shop_feed_prices( array $product_ids ) {
	$prices = array();
	foreach ( $product_ids as $product_id ) {
		$prices[ $product_id ] = get_post_meta( $product_id, '_price', true );
	}
	return $prices;
}

/**
 * Best sellers, straight from the order items table.
 */
function shop_feed_best_sellers() {
	global $wpdb;
	return $wpdb->get_results(
		"SELECT product_id, SUM(qty) AS sold FROM {$wpdb->prefix}shop_feed_order_items GROUP BY product_id ORDER BY sold DESC LIMIT 10"
	);
}

/**
 * Legacy sort used by the old theme. phpcs already flags it; the team
 * accepted it for this low-traffic page.
 */
function shop_feed_legacy_random() {
	// phpcs:ignore WordPressVIPMinimum.Performance.OrderByRand -- legacy page, 3 posts, cached by the CDN.
	return get_posts( array( 'orderby' => 'rand', 'numberposts' => 3, 'post_type' => 'product' ) );
}

/**
 * Order items table, created on activation.
 */
function shop_feed_install() {
	global $wpdb;
	$charset_collate = $wpdb->get_charset_collate();
	require_once ABSPATH . 'wp-admin/includes/upgrade.php';
	dbDelta(
		"CREATE TABLE {$wpdb->prefix}shop_feed_order_items (
		id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
		order_id bigint(20) unsigned NOT NULL,
		product_id bigint(20) unsigned NOT NULL,
		qty int NOT NULL,
		PRIMARY KEY  (id)
		) $charset_collate;"
	);
}

/**
 * Lines of one order.
 */
function shop_feed_order_lines( $order_id ) {
	global $wpdb;
	return $wpdb->get_results(
		$wpdb->prepare( "SELECT * FROM {$wpdb->prefix}shop_feed_order_items WHERE order_id = %d", $order_id )
	);
}
